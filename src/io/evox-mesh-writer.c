/* evox-mesh-writer.c: meshes as binary STL, binary PLY and OBJ, through large buffered writes. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-mesh-writer.h"
#include "evox-output.h"
#include "evox-types.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

/* Big enough that write() costs nothing next to filling the buffer, small enough to stay out of
 * the way of the mesh itself. */
#define SINK_BYTES (4u << 20)
/* The longest record any format writes at once (an OBJ line of six numbers). */
#define MAX_RECORD 256

#define UNIT_NOTE "Evox mesh, unit nm"
/* Fits the 80 bytes of an STL header. */
#define VOXEL_NOTE "Evox mesh, unit px (voxel steps; voxel size not known)"

/* How coordinates are written: less offset[k], times scale[k] per axis (nm to voxel indices),
 * with normals carried along (the inverse transpose, renormalised); NULL scale writes the nm as
 * they are. */
typedef struct
{
  const char   *note;
  const double *offset;
  const double *scale;
  const char   *provenance;  /* evox-methods.h's record, as comment lines; NULL: none */
} Frame;

/* Each line of the frame's record behind prefix ("comment " in PLY, "# " in OBJ). */
static char *
provenance_lines (const Frame *frame,
                  const char  *prefix)
{
  GString *text = g_string_new (NULL);
  g_auto (GStrv) lines = NULL;

  if (frame->provenance == NULL)
    return g_string_free (text, FALSE);
  lines = g_strsplit_set (frame->provenance, "\r\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      g_string_append_printf (text, "%s%s\n", prefix, lines[i]);
  return g_string_free (text, FALSE);
}

static inline void
frame_position (const Frame *frame,
                const float *p,
                float        out[3])
{
  for (guint k = 0; k < 3; k++)
    out[k] = frame->scale != NULL ? (float) ((p[k] - frame->offset[k]) * frame->scale[k]) : p[k];
}

static inline void
frame_normal (const Frame *frame,
              const float *n,
              float        out[3])
{
  double m[3], length;

  if (frame->scale == NULL)
    {
      memcpy (out, n, 3 * sizeof (float));
      return;
    }
  for (guint k = 0; k < 3; k++)
    m[k] = n[k] / frame->scale[k];
  length = sqrt (m[0] * m[0] + m[1] * m[1] + m[2] * m[2]);
  for (guint k = 0; k < 3; k++)
    out[k] = length > 0 ? (float) (m[k] / length) : 0.0f;
}

static const guint8 default_rgba[4] = { 200, 200, 200, 255 };

gboolean
evox_mesh_format_from_path (const char      *path,
                            EvoxMeshFormat  *format,
                            GError         **error)
{
  g_autofree char *lower = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (format != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  lower = g_ascii_strdown (path, -1);
  if (g_str_has_suffix (lower, ".stl"))
    *format = EVOX_MESH_FORMAT_STL;
  else if (g_str_has_suffix (lower, ".ply"))
    *format = EVOX_MESH_FORMAT_PLY;
  else if (g_str_has_suffix (lower, ".obj"))
    *format = EVOX_MESH_FORMAT_OBJ;
  else
    {
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "%s: unknown mesh format; the name must end in .stl, .ply or .obj", display);
      return FALSE;
    }
  return TRUE;
}

const char *
evox_mesh_format_to_string (EvoxMeshFormat format)
{
  switch (format)
    {
    case EVOX_MESH_FORMAT_STL: return "stl";
    case EVOX_MESH_FORMAT_PLY: return "ply";
    case EVOX_MESH_FORMAT_OBJ: return "obj";
    default: return "unknown";
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Buffered output                                                                              */

/* Records go into one large buffer that reaches the file in big write() calls. The first failure
 * is kept and later writes are skipped, so the formats need no error checks per record. */
typedef struct
{
  int     fd;
  guint8 *data;
  gsize   length;
  int     saved_errno;
} Sink;

static void
sink_flush (Sink *sink)
{
  gsize done = 0;

  while (sink->saved_errno == 0 && done < sink->length)
    {
      gssize n = write (sink->fd, sink->data + done, sink->length - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        sink->saved_errno = errno;
      else
        done += (gsize) n;
    }
  sink->length = 0;
}

/* Room for n more bytes (n <= MAX_RECORD) at the end of the buffer. */
static inline guint8 *
sink_reserve (Sink  *sink,
              gsize  n)
{
  if (sink->length + n > SINK_BYTES)
    sink_flush (sink);
  return sink->data + sink->length;
}

static void
sink_append (Sink       *sink,
             const void *bytes,
             gsize       n)
{
  while (n > 0)
    {
      gsize room, step;

      if (sink->length == SINK_BYTES)
        sink_flush (sink);
      room = SINK_BYTES - sink->length;
      step = MIN (room, n);
      memcpy (sink->data + sink->length, bytes, step);
      sink->length += step;
      bytes = (const guint8 *) bytes + step;
      n -= step;
    }
}

static void
sink_append_string (Sink       *sink,
                    const char *text)
{
  sink_append (sink, text, strlen (text));
}

/* Flushes, syncs (a full disk can stay hidden until the data reaches it) and closes. */
static gboolean
sink_finish (Sink        *sink,
             const char  *path,
             GError     **error)
{
  sink_flush (sink);
  if (sink->saved_errno == 0 && fsync (sink->fd) != 0 && errno != EINVAL)
    sink->saved_errno = errno;
  if (close (sink->fd) != 0 && sink->saved_errno == 0)
    sink->saved_errno = errno;
  g_clear_pointer (&sink->data, g_free);
  if (sink->saved_errno != 0)
    {
      _evox_output_set_write_error (error, sink->saved_errno, path);
      return FALSE;
    }
  return TRUE;
}

static inline void
put_u16 (guint8  *p,
         guint16  v)
{
  v = GUINT16_TO_LE (v);
  memcpy (p, &v, 2);
}

static inline void
put_u32 (guint8  *p,
         guint32  v)
{
  v = GUINT32_TO_LE (v);
  memcpy (p, &v, 4);
}

static inline void
put_f32 (guint8 *p,
         float   v)
{
  guint32 bits;

  memcpy (&bits, &v, 4);
  put_u32 (p, bits);
}

/* ------------------------------------------------------------------------------------------ */
/* Binary STL                                                                                   */

#define STL_RECORD 50

/* Facet normal from the corners (the vertex normals are not the facet's); 0 when degenerate. */
static void
facet_normal (const float *a,
              const float *b,
              const float *c,
              float        n[3])
{
  double u[3], v[3], w[3], length;

  for (guint k = 0; k < 3; k++)
    {
      u[k] = (double) b[k] - a[k];
      v[k] = (double) c[k] - a[k];
    }
  w[0] = u[1] * v[2] - u[2] * v[1];
  w[1] = u[2] * v[0] - u[0] * v[2];
  w[2] = u[0] * v[1] - u[1] * v[0];
  length = sqrt (w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
  for (guint k = 0; k < 3; k++)
    n[k] = length > 0.0 ? (float) (w[k] / length) : 0.0f;
}

static void
write_stl (Sink        *sink,
           EvoxMesh    *mesh,
           const Frame *frame)
{
  const float *positions = evox_mesh_get_positions (mesh);
  const guint32 *triangles = evox_mesh_get_triangles (mesh);
  gsize n_triangles = evox_mesh_get_n_triangles (mesh);
  guint8 header[84];

  /* Readers take a header that starts with "solid" for ASCII STL. */
  memset (header, ' ', 80);
  memcpy (header, frame->note, strlen (frame->note));
  put_u32 (header + 80, (guint32) n_triangles);
  sink_append (sink, header, sizeof header);

  for (gsize t = 0; t < n_triangles; t++)
    {
      guint8 *p = sink_reserve (sink, STL_RECORD);
      float corner[3][3];
      float n[3];

      for (guint c = 0; c < 3; c++)
        frame_position (frame, positions + 3 * (gsize) triangles[3 * t + c], corner[c]);
      facet_normal (corner[0], corner[1], corner[2], n);
      for (guint k = 0; k < 3; k++)
        put_f32 (p + 4 * k, n[k]);
      for (guint c = 0; c < 3; c++)
        for (guint k = 0; k < 3; k++)
          put_f32 (p + 12 + 12 * c + 4 * k, corner[c][k]);
      put_u16 (p + 48, 0);
      sink->length += STL_RECORD;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Binary PLY                                                                                   */

#define PLY_VERTEX 28
#define PLY_FACE 13

static void
write_ply (Sink         *sink,
           EvoxMesh     *mesh,
           const guint8 *rgba,
           const Frame  *frame)
{
  const float *positions = evox_mesh_get_positions (mesh);
  const float *normals = evox_mesh_get_normals (mesh);
  const guint8 *colors = evox_mesh_get_colors (mesh);
  const guint32 *triangles = evox_mesh_get_triangles (mesh);
  gsize n_vertices = evox_mesh_get_n_vertices (mesh);
  gsize n_triangles = evox_mesh_get_n_triangles (mesh);
  g_autofree char *header = NULL;
  g_autofree char *comments = provenance_lines (frame, "comment ");

  /* "uchar int" is the face list that MeshLab, ParaView and Blender all read. */
  header = g_strdup_printf ("ply\n"
                            "format binary_little_endian 1.0\n"
                            "comment %s\n"
                            "%s"
                            "element vertex %" G_GSIZE_FORMAT "\n"
                            "property float x\n"
                            "property float y\n"
                            "property float z\n"
                            "property float nx\n"
                            "property float ny\n"
                            "property float nz\n"
                            "property uchar red\n"
                            "property uchar green\n"
                            "property uchar blue\n"
                            "property uchar alpha\n"
                            "element face %" G_GSIZE_FORMAT "\n"
                            "property list uchar int vertex_indices\n"
                            "end_header\n", frame->note, comments, n_vertices, n_triangles);
  sink_append_string (sink, header);

  for (gsize v = 0; v < n_vertices; v++)
    {
      guint8 *p = sink_reserve (sink, PLY_VERTEX);
      float x[3], n[3];

      frame_position (frame, positions + 3 * v, x);
      frame_normal (frame, normals + 3 * v, n);
      for (guint k = 0; k < 3; k++)
        {
          put_f32 (p + 4 * k, x[k]);
          put_f32 (p + 12 + 4 * k, n[k]);
        }
      memcpy (p + 24, colors != NULL ? colors + 4 * v : rgba, 4);
      sink->length += PLY_VERTEX;
    }
  for (gsize t = 0; t < n_triangles; t++)
    {
      guint8 *p = sink_reserve (sink, PLY_FACE);

      p[0] = 3;
      for (guint c = 0; c < 3; c++)
        put_u32 (p + 1 + 4 * c, triangles[3 * t + c]);
      sink->length += PLY_FACE;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* OBJ                                                                                          */

static const double powers_of_ten[] = {
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
  1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static inline char *
format_uint (char    *out,
             guint64  value)
{
  char digits[20];
  int n = 0;

  do
    {
      digits[n++] = (char) ('0' + value % 10);
      value /= 10;
    }
  while (value > 0);
  while (n > 0)
    *out++ = digits[--n];
  return out;
}

/* The 9 significant digits of a as an integer in [10^8, 10^9), with a = digits * 10^(exponent
 * - 8); FALSE when the scale is past the exact powers of ten. */
static gboolean
nine_digits (double   a,
             guint64 *digits,
             int     *exponent)
{
  int e = (int) floor (log10 (a));

  /* log10 may be one off next to a power of ten, and rounding may carry into a tenth digit. */
  for (guint attempt = 0; attempt < 3; attempt++)
    {
      int shift = 8 - e;
      double scaled;
      guint64 m;

      if (shift >= 0 && shift < (int) G_N_ELEMENTS (powers_of_ten))
        scaled = a * powers_of_ten[shift];
      else if (shift < 0 && -shift < (int) G_N_ELEMENTS (powers_of_ten))
        scaled = a / powers_of_ten[-shift];
      else
        return FALSE;
      /* Ties to even, as printf rounds. */
      m = (guint64) rint (scaled);
      if (m >= 1000000000u)
        e++;
      else if (m < 100000000u)
        e--;
      else
        {
          *digits = m;
          *exponent = e;
          return TRUE;
        }
    }
  return FALSE;
}

/* What printf's "%.9g" writes in the C locale, which reads back as the same float: 9 digits
 * name every float, and the one rounding of the scaling here is far inside that margin. Takes
 * about a tenth of the time of g_ascii_formatd, which matters for millions of numbers. */
static char *
format_float (char  *out,
              float  value)
{
  double a = fabs ((double) value);
  guint64 m;
  int e, n_digits = 9;
  char d[9];

  if (value == 0.0f)
    {
      *out++ = '0';
      return out;
    }
  if (!isfinite (value) || !nine_digits (a, &m, &e))
    {
      char buffer[G_ASCII_DTOSTR_BUF_SIZE];
      gsize n;

      g_ascii_formatd (buffer, sizeof buffer, "%.9g", value);
      n = strlen (buffer);
      memcpy (out, buffer, n);
      return out + n;
    }
  if (value < 0)
    *out++ = '-';
  for (int i = 8; i >= 0; i--)
    {
      d[i] = (char) ('0' + m % 10);
      m /= 10;
    }
  while (n_digits > 1 && d[n_digits - 1] == '0')
    n_digits--;

  if (e < -4 || e >= 9)
    {
      *out++ = d[0];
      if (n_digits > 1)
        {
          *out++ = '.';
          memcpy (out, d + 1, n_digits - 1);
          out += n_digits - 1;
        }
      *out++ = 'e';
      *out++ = e < 0 ? '-' : '+';
      if (ABS (e) < 10)
        *out++ = '0';
      return format_uint (out, (guint64) ABS (e));
    }
  if (e >= 0)
    {
      for (int i = 0; i <= e; i++)
        *out++ = i < n_digits ? d[i] : '0';
      if (n_digits > e + 1)
        {
          *out++ = '.';
          memcpy (out, d + e + 1, n_digits - e - 1);
          out += n_digits - e - 1;
        }
      return out;
    }
  *out++ = '0';
  *out++ = '.';
  for (int i = 0; i < -e - 1; i++)
    *out++ = '0';
  memcpy (out, d, n_digits);
  return out + n_digits;
}

/* OBJ colours are 0..1; six digits tell the 256 byte values apart. */
typedef struct
{
  char text[12];
  guint8 length;
} ColorText;

static void
write_obj (Sink         *sink,
           EvoxMesh     *mesh,
           const guint8 *rgba,
           const Frame  *frame)
{
  const float *positions = evox_mesh_get_positions (mesh);
  const float *normals = evox_mesh_get_normals (mesh);
  const guint8 *colors = evox_mesh_get_colors (mesh);
  const guint32 *triangles = evox_mesh_get_triangles (mesh);
  gsize n_vertices = evox_mesh_get_n_vertices (mesh);
  gsize n_triangles = evox_mesh_get_n_triangles (mesh);
  g_autofree char *header = NULL;
  g_autofree char *comments = provenance_lines (frame, "# ");
  ColorText color_text[256];

  for (guint i = 0; i < 256; i++)
    {
      g_ascii_formatd (color_text[i].text, sizeof color_text[i].text, "%.6g", i / 255.0);
      color_text[i].length = (guint8) strlen (color_text[i].text);
    }

  header = g_strdup_printf ("# %s\n"
                            "%s"
                            "# %" G_GSIZE_FORMAT " vertices, %" G_GSIZE_FORMAT " triangles; "
                            "v x y z red green blue (0..1), vn, f v//vn\n",
                            frame->note, comments, n_vertices, n_triangles);
  sink_append_string (sink, header);

  for (gsize v = 0; v < n_vertices; v++)
    {
      char *start = (char *) sink_reserve (sink, MAX_RECORD);
      const guint8 *c = colors != NULL ? colors + 4 * v : rgba;
      char *p = start;
      float x[3];

      frame_position (frame, positions + 3 * v, x);
      *p++ = 'v';
      for (guint k = 0; k < 3; k++)
        {
          *p++ = ' ';
          p = format_float (p, x[k]);
        }
      for (guint k = 0; k < 3; k++)
        {
          *p++ = ' ';
          memcpy (p, color_text[c[k]].text, color_text[c[k]].length);
          p += color_text[c[k]].length;
        }
      *p++ = '\n';
      sink->length += (gsize) (p - start);
    }
  for (gsize v = 0; v < n_vertices; v++)
    {
      char *start = (char *) sink_reserve (sink, MAX_RECORD);
      char *p = start;
      float n[3];

      frame_normal (frame, normals + 3 * v, n);
      *p++ = 'v';
      *p++ = 'n';
      for (guint k = 0; k < 3; k++)
        {
          *p++ = ' ';
          p = format_float (p, n[k]);
        }
      *p++ = '\n';
      sink->length += (gsize) (p - start);
    }
  for (gsize t = 0; t < n_triangles; t++)
    {
      char *start = (char *) sink_reserve (sink, MAX_RECORD);
      char *p = start;

      *p++ = 'f';
      for (guint c = 0; c < 3; c++)
        {
          guint64 index = (guint64) triangles[3 * t + c] + 1;

          *p++ = ' ';
          p = format_uint (p, index);
          *p++ = '/';
          *p++ = '/';
          p = format_uint (p, index);
        }
      *p++ = '\n';
      sink->length += (gsize) (p - start);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Files                                                                                        */

typedef struct
{
  EvoxMesh       *mesh;
  EvoxMeshFormat  format;
  const guint8   *rgba;
  Frame           frame;
} MeshJob;

static gboolean
write_mesh_fd (int          fd,
               const char  *path,
               gpointer     user_data,
               GError     **error)
{
  MeshJob *job = user_data;
  Sink sink = { fd, g_malloc (SINK_BYTES), 0, 0 };

  switch (job->format)
    {
    case EVOX_MESH_FORMAT_STL: write_stl (&sink, job->mesh, &job->frame); break;
    case EVOX_MESH_FORMAT_PLY: write_ply (&sink, job->mesh, job->rgba, &job->frame); break;
    case EVOX_MESH_FORMAT_OBJ: write_obj (&sink, job->mesh, job->rgba, &job->frame); break;
    default: g_assert_not_reached ();
    }
  return sink_finish (&sink, path, error);
}

static gboolean
write_in_frame (EvoxMesh        *mesh,
                const char      *path,
                EvoxMeshFormat   format,
                const guint8    *rgba,
                const Frame     *frame,
                gboolean         overwrite,
                GError         **error)
{
  MeshJob job = { mesh, format, rgba != NULL ? rgba : default_rgba, *frame };
  gsize n_vertices, n_triangles;

  g_return_val_if_fail (mesh != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (format == EVOX_MESH_FORMAT_STL || format == EVOX_MESH_FORMAT_PLY ||
                        format == EVOX_MESH_FORMAT_OBJ, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  n_triangles = evox_mesh_get_n_triangles (mesh);
  n_vertices = evox_mesh_get_n_vertices (mesh);
  if ((format == EVOX_MESH_FORMAT_STL && n_triangles > G_MAXUINT32) ||
      (format == EVOX_MESH_FORMAT_PLY && n_vertices > G_MAXINT32))
    {
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   format == EVOX_MESH_FORMAT_STL
                     ? "Cannot write %s: binary STL holds at most 4294967295 triangles"
                     : "Cannot write %s: binary PLY holds at most 2147483647 vertices", display);
      return FALSE;
    }
  return _evox_output_write (path, overwrite, write_mesh_fd, &job, error);
}

gboolean
evox_mesh_write (EvoxMesh        *mesh,
                 const char      *path,
                 EvoxMeshFormat   format,
                 const guint8    *rgba,
                 gboolean         overwrite,
                 GError         **error)
{
  return write_in_frame (mesh, path, format, rgba, &(Frame) { UNIT_NOTE, NULL, NULL }, overwrite,
                         error);
}

/**
 * evox_mesh_write_for_volume:
 *
 * Without a known voxel size the mesh's nm are those of the spacing Evox assumed (1 nm, or an
 * SSRM stack's 1 nm pixels and its layer step): writing them as nm would state a size nobody
 * measured, so they become voxel steps along each axis from the volume's first voxel centre,
 * the voxel indices the hover readout shows.
 */
gboolean
evox_mesh_write_for_volume (EvoxMesh        *mesh,
                            EvoxVolume      *volume,
                            const char      *path,
                            EvoxMeshFormat   format,
                            const guint8    *rgba,
                            gboolean         overwrite,
                            GError         **error)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (volume), FALSE);

  return evox_mesh_write_with_provenance (mesh, volume, path, format, rgba, NULL, overwrite,
                                          error);
}

gboolean
evox_mesh_write_with_provenance (EvoxMesh        *mesh,
                                 EvoxVolume      *volume,
                                 const char      *path,
                                 EvoxMeshFormat   format,
                                 const guint8    *rgba,
                                 const char      *provenance,
                                 gboolean         overwrite,
                                 GError         **error)
{
  double spacing[3], origin[3], scale[3];

  g_return_val_if_fail (volume == NULL || EVOX_IS_VOLUME (volume), FALSE);

  if (volume == NULL || evox_volume_get_spacing_known (volume))
    return write_in_frame (mesh, path, format, rgba,
                           &(Frame) { UNIT_NOTE, NULL, NULL, provenance }, overwrite, error);
  evox_volume_get_spacing (volume, spacing);
  evox_volume_get_origin (volume, origin);
  for (guint k = 0; k < 3; k++)
    scale[k] = 1.0 / spacing[k];
  return write_in_frame (mesh, path, format, rgba,
                         &(Frame) { VOXEL_NOTE, origin, scale, provenance }, overwrite, error);
}
