/* evox-test-xrm.c: synthetic Xradia files written with libgsf's OLE2 writer. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include "evox-test-xrm.h"

#include <string.h>

#include <gsf/gsf-outfile-msole.h>
#include <gsf/gsf-outfile.h>
#include <gsf/gsf-output-stdio.h>

double
evox_test_xrm_value (int   data_type,
                     guint k,
                     guint x,
                     guint y)
{
  int v = (int) ((k * 7 + x * 3 + y * 5) % 100);

  switch (data_type)
    {
    case 2: return v - 40;                                /* i8 */
    case 3: return v + 150;                               /* u8 above 127 */
    case 4: return v - 30040;                             /* i16 */
    case 5: return v + 60000;                             /* u16 above 32767 */
    case 6: return (double) (v - 40) * 128 - 2000000000;  /* i32, exact in floats */
    case 7: return (double) v * 256 + 3000000000.0;       /* u32 above 2^31, exact in floats */
    case 10: return v - 40 + 0.25;                        /* f32 */
    case 11: return v - 40 + 0.125;                       /* f64 */
    default: return v;
    }
}

double
evox_test_xrm_reference_value (guint x,
                               guint y)
{
  return 1000 + (x * 11 + y * 13) % 500;
}

static gsize
type_size (int data_type)
{
  switch (data_type)
    {
    case 2: case 3: return 1;
    case 4: case 5: return 2;
    case 6: case 7: case 10: return 4;
    case 11: return 8;
    default: return 2;
    }
}

/* One sample as little-endian bytes. */
static void
put_sample (guint8 *p,
            int     data_type,
            double  value)
{
  union { gint8 i8; guint8 u8; gint16 i16; guint16 u16; gint32 i32; guint32 u32; float f;
          double d; guint8 bytes[8]; } u;
  gsize n = type_size (data_type);

  switch (data_type)
    {
    case 2: u.i8 = (gint8) value; break;
    case 3: u.u8 = (guint8) value; break;
    case 4: u.i16 = GINT16_TO_LE ((gint16) value); break;
    case 6: u.i32 = GINT32_TO_LE ((gint32) value); break;
    case 7: u.u32 = GUINT32_TO_LE ((guint32) value); break;
    case 10: u.f = (float) value; break;
    case 11: u.d = value; break;
    case 5:
    default: u.u16 = GUINT16_TO_LE ((guint16) value); break;
    }
  memcpy (p, u.bytes, n);
}

typedef struct
{
  GsfOutfile *root;
  GHashTable *dirs;       /* path -> GsfOutfile */
  GPtrArray  *order;      /* the storages in creation order */
  gboolean    lower_case;
} Writer;

static GsfOutfile *
writer_dir (Writer     *w,
            const char *path)
{
  GsfOutfile *dir = g_hash_table_lookup (w->dirs, path);
  const char *slash;
  GsfOutfile *parent = w->root;
  g_autofree char *name = NULL;

  if (dir != NULL)
    return dir;
  slash = strrchr (path, '/');
  if (slash != NULL)
    {
      g_autofree char *up = g_strndup (path, slash - path);

      parent = writer_dir (w, up);
    }
  name = w->lower_case ? g_ascii_strdown (slash ? slash + 1 : path, -1)
                       : g_strdup (slash ? slash + 1 : path);
  dir = GSF_OUTFILE (gsf_outfile_new_child (parent, name, TRUE));
  g_assert_nonnull (dir);
  g_hash_table_insert (w->dirs, g_strdup (path), dir);
  g_ptr_array_add (w->order, dir);
  return dir;
}

static void
writer_put (Writer       *w,
            const char   *path,
            const void   *data,
            gsize         n)
{
  const char *slash = strrchr (path, '/');
  GsfOutfile *parent = w->root;
  g_autofree char *name = NULL;
  GsfOutput *out;

  if (slash != NULL)
    {
      g_autofree char *up = g_strndup (path, slash - path);

      parent = writer_dir (w, up);
    }
  name = w->lower_case ? g_ascii_strdown (slash ? slash + 1 : path, -1)
                       : g_strdup (slash ? slash + 1 : path);
  out = gsf_outfile_new_child (parent, name, FALSE);
  g_assert_nonnull (out);
  g_assert_true (n == 0 || gsf_output_write (out, n, data));
  g_assert_true (gsf_output_close (out));
  g_object_unref (out);
}

static void
writer_put_u32 (Writer     *w,
                const char *path,
                guint32     value)
{
  guint32 le = GUINT32_TO_LE (value);

  writer_put (w, path, &le, 4);
}

static void
writer_put_f32s (Writer      *w,
                 const char  *path,
                 const float *values,
                 guint        n)
{
  writer_put (w, path, values, (gsize) n * 4);
}

void
evox_test_xrm_write (const char        *path,
                     const EvoxTestXrm *spec)
{
  g_autoptr(GError) error = NULL;
  GsfOutput *sink = gsf_output_stdio_new (path, &error);
  Writer w = { NULL };
  guint n = spec->n_images;
  int type = spec->data_type != 0 ? spec->data_type : 5;
  gsize ts = type_size (type);

  g_assert_no_error (error);
  w.root = gsf_outfile_msole_new (sink);
  w.dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  w.order = g_ptr_array_new ();
  w.lower_case = spec->lower_case;

  if (spec->no_image_info)
    writer_put (&w, "Workbook", "\x09\x08\x10\x00\x00\x06\x05\x00", 8);
  else
    {
      g_autofree float *angles = g_new (float, MAX (n, 1));
      g_autofree float *exposures = g_new (float, MAX (n, 1));
      float pixel = 0.05f;

      writer_put_u32 (&w, "ImageInfo/ImageWidth", spec->width);
      writer_put_u32 (&w, "ImageInfo/ImageHeight", spec->height);
      writer_put_u32 (&w, "ImageInfo/NoOfImages", spec->no_of_images ? spec->no_of_images : n);
      if (spec->data_type != 0)
        writer_put_u32 (&w, "ImageInfo/DataType", (guint32) spec->data_type);
      writer_put_f32s (&w, "ImageInfo/PixelSize", &pixel, 1);
      for (guint i = 0; i < n; i++)
        {
          angles[i] = spec->angles != NULL ? spec->angles[i] : -30.0f + 15.0f * i;
          exposures[i] = 0.5f + 0.25f * i;
        }
      if (!spec->no_angles)
        writer_put_f32s (&w, "ImageInfo/Angles", angles, n);
      writer_put_f32s (&w, spec->exp_time ? "ImageInfo/ExpTime" : "ImageInfo/ExpTimes",
                       exposures, n);
      if (spec->images_taken > 0)
        writer_put_u32 (&w, "ImageInfo/ImagesTaken", spec->images_taken);
      if (spec->energies != NULL)
        writer_put_f32s (&w, "ImageInfo/Energy", spec->energies, spec->n_energies);
      if (spec->mosaic_rows > 0 && spec->mosaic_columns > 0)
        {
          writer_put_u32 (&w, "ImageInfo/MosiacRows", spec->mosaic_rows);
          writer_put_u32 (&w, "ImageInfo/MosiacColumns", spec->mosaic_columns);
        }
      for (guint k = 1; k <= n; k++)
        {
          g_autofree char *name = g_strdup_printf ("ImageData%u/Image%u", (k + 99) / 100, k);
          gsize count = (gsize) spec->width * spec->height;
          g_autofree guint8 *bytes = g_malloc (count * ts);

          for (guint y = 0; y < spec->height; y++)
            for (guint x = 0; x < spec->width; x++)
              put_sample (bytes + ((gsize) y * spec->width + x) * ts, type,
                          evox_test_xrm_value (type, k + spec->image_offset, x, y));
          writer_put (&w, name, bytes, (count - (k == spec->short_image ? 1 : 0)) * ts);
        }
      if (spec->reference)
        {
          guint rw = spec->reference_width ? spec->reference_width : spec->width;
          guint rh = spec->reference_height ? spec->reference_height : spec->height;
          gsize count = (gsize) rw * rh;
          g_autofree guint8 *bytes = g_malloc (count * 2);
          float exposure = 0.3f;

          for (guint y = 0; y < rh; y++)
            for (guint x = 0; x < rw; x++)
              put_sample (bytes + ((gsize) y * rw + x) * 2, 5,
                          evox_test_xrm_reference_value (x, y));
          if (spec->reference_info)
            {
              writer_put_u32 (&w, "ReferenceData/ImageInfo/ImageWidth", rw);
              writer_put_u32 (&w, "ReferenceData/ImageInfo/ImageHeight", rh);
            }
          writer_put_u32 (&w, "ReferenceData/DataType", 5);
          writer_put_f32s (&w, "ReferenceData/ExpTime", &exposure, 1);
          writer_put (&w, "ReferenceData/Image", bytes, count * 2);
        }
    }

  /* Storages close after everything inside them, the root last. */
  for (guint i = w.order->len; i-- > 0;)
    {
      GsfOutput *dir = g_ptr_array_index (w.order, i);

      g_assert_true (gsf_output_close (dir));
      g_object_unref (dir);
    }
  g_assert_true (gsf_output_close (GSF_OUTPUT (w.root)));
  g_object_unref (w.root);
  g_assert_true (gsf_output_is_closed (sink) || gsf_output_close (sink));
  g_object_unref (sink);
  g_hash_table_unref (w.dirs);
  g_ptr_array_unref (w.order);
}
