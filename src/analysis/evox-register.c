/* evox-register.c: registering the energies of a spectral stack onto the reference's grid: scale
 * search, phase-correlation translation, a chain of neighbours tied to anchors, the report. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-register.h"
#include "evox-register-private.h"

#include <math.h>
#include <string.h>

#include "evox-types.h"

/* Bins per axis of the joint histogram behind the report's mutual information. */
#define MI_BINS 32
/* The coarse scale search runs on a copy binned (by powers of 2, to no less than 32 a side) until
 * it has at most this many pixels, 256^2. */
#define COARSE_VOXELS 65536
/* Neighbours on each side whose shifts make the running median of the outlier flag. */
#define FLAG_HALF_WINDOW 3
/* The MAD is floored here (pixels): shifts on a perfect trend have a MAD of 0, and then every
 * rounding difference of phase correlation would be an outlier. */
#define FLAG_MAD_FLOOR 0.1

void
evox_register_options_init (EvoxRegisterOptions *options)
{
  g_return_if_fail (options != NULL);

  memset (options, 0, sizeof *options);
  options->reference_ev = NAN;
  options->scale = EVOX_REGISTER_SCALE_FIT;
  options->scale_range = 0.01;
  options->upsample = 20;
  options->anchor_step = 0;
}

gboolean
evox_register_scale_from_string (const char        *text,
                                 EvoxRegisterScale *scale)
{
  g_return_val_if_fail (scale != NULL, FALSE);

  if (g_strcmp0 (text, "fit") == 0)
    *scale = EVOX_REGISTER_SCALE_FIT;
  else if (g_strcmp0 (text, "energy") == 0)
    *scale = EVOX_REGISTER_SCALE_ENERGY;
  else if (g_strcmp0 (text, "none") == 0)
    *scale = EVOX_REGISTER_SCALE_NONE;
  else
    return FALSE;
  return TRUE;
}

const char *
evox_register_scale_to_string (EvoxRegisterScale scale)
{
  switch (scale)
    {
    case EVOX_REGISTER_SCALE_FIT:
      return "fit";
    case EVOX_REGISTER_SCALE_ENERGY:
      return "energy";
    case EVOX_REGISTER_SCALE_NONE:
      return "none";
    default:
      return NULL;
    }
}

typedef struct
{
  double scale;
  double shift[3];
} Transform;

/* ------------------------------------------------------------------------------------------ */
/* One image level of the scale search: the target with its spectrum, and the moving image. */

typedef struct
{
  gsize             dims[3];
  gsize             n;
  const float      *moving;
  const float      *target;
  kiss_fft_cpx     *target_spec;
  EvoxRegisterPlan *plan;
  guint             upsample;
  float            *work;     /* n */
  kiss_fft_cpx     *spec;     /* the plan's spectrum size */
  EvoxRegisterScratch *scratch;
} Level;

static void
level_init (Level              *level,
            const gsize         dims[3],
            const float        *moving,
            const float        *target,
            const kiss_fft_cpx *target_spec,
            guint               upsample)
{
  memcpy (level->dims, dims, sizeof level->dims);
  level->n = dims[0] * dims[1] * dims[2];
  level->moving = moving;
  level->target = target;
  level->upsample = upsample;
  level->plan = _evox_register_plan_get (dims);
  level->target_spec = g_new (kiss_fft_cpx, _evox_register_spectrum_size (level->plan));
  level->spec = g_new (kiss_fft_cpx, _evox_register_spectrum_size (level->plan));
  level->work = g_new (float, level->n);
  level->scratch = _evox_register_scratch_new (level->plan);
  if (target_spec != NULL)
    memcpy (level->target_spec, target_spec,
            _evox_register_spectrum_size (level->plan) * sizeof (kiss_fft_cpx));
  else
    _evox_register_forward (level->plan, target, level->target_spec, TRUE);
}

static void
level_clear (Level *level)
{
  _evox_register_scratch_free (level->scratch);
  _evox_register_plan_release (level->plan);
  g_free (level->target_spec);
  g_free (level->spec);
  g_free (level->work);
}

/* The translation after scaling moving by scale (one resampling, one forward and one inverse
 * transform; see _evox_register_translation_spectra). */
static void
level_translation (Level  *level,
                   double  scale,
                   double  shift[3])
{
  _evox_register_translate (level->plan, level->target_spec, level->moving, scale,
                            level->upsample, level->spec, level->work, level->scratch,
                            shift);
}

/* How well moving matches the target at this scale with its best translation: |NCC|, since
 * across an absorption edge contrast may invert. */
static double
level_score (Level  *level,
             double  scale)
{
  double shift[3], ncc;

  level_translation (level, scale, shift);
  _evox_register_resample_with (level->moving, level->dims, scale, shift, level->work,
                                level->scratch);
  ncc = evox_register_ncc (level->work, level->target, level->n);
  return isfinite (ncc) ? fabs (ncc) : -1;
}

/* Golden-section search for the best score in [lo, hi]; returns the best scale seen and narrows
 * *lo, *hi to the final bracket. */
static double
golden_section (Level        *level,
                double       *lo,
                double       *hi,
                guint         iterations,
                GCancellable *cancellable)
{
  const double g = (sqrt (5.0) - 1) / 2;
  double a = *lo, b = *hi;
  double x1 = b - g * (b - a), x2 = a + g * (b - a);
  double f1 = level_score (level, x1), f2 = level_score (level, x2);

  /* Checked per step: one step at 1024^2 is a few hundredths of a second, a whole search 0.3 s. */
  for (guint i = 0; i < iterations && !g_cancellable_is_cancelled (cancellable); i++)
    {
      if (f1 >= f2)
        {
          b = x2;
          x2 = x1;
          f2 = f1;
          x1 = b - g * (b - a);
          f1 = level_score (level, x1);
        }
      else
        {
          a = x1;
          x1 = x2;
          f1 = f2;
          x2 = a + g * (b - a);
          f2 = level_score (level, x2);
        }
    }
  *lo = a;
  *hi = b;
  return f1 >= f2 ? x1 : x2;
}

/* A copy averaged over factor^d blocks (the remainder cropped); a block with a non-finite pixel
 * is NaN. */
static float *
bin_image (const float *src,
           const gsize  dims[3],
           gsize        factor,
           gsize        out_dims[3])
{
  gsize fz = dims[2] > 1 ? factor : 1;
  float *out;

  out_dims[0] = dims[0] / factor;
  out_dims[1] = dims[1] / factor;
  out_dims[2] = dims[2] / fz;
  out = g_new0 (float, out_dims[0] * out_dims[1] * out_dims[2]);
#pragma omp parallel for schedule(static) if (dims[0] * dims[1] * dims[2] >= 65536)
  for (gint64 r = 0; r < (gint64) (out_dims[1] * out_dims[2]); r++)
    {
      gsize y = r % out_dims[1], z = r / out_dims[1];

      for (gsize x = 0; x < out_dims[0]; x++)
        {
          double s = 0;

          for (gsize dz = 0; dz < fz; dz++)
            for (gsize dy = 0; dy < factor; dy++)
              for (gsize dx = 0; dx < factor; dx++)
                s += src[((z * fz + dz) * dims[1] + y * factor + dy) * dims[0] + x * factor + dx];
          out[r * out_dims[0] + x] = (float) (s / (double) (fz * factor * factor));
        }
    }
  return out;
}

/* The scale (nominal x (1 +- range), by golden section on a copy binned to at most
 * COARSE_VOXELS, then on one binned half as much, or the image itself, around the coarse best)
 * and the translation at full resolution that put moving onto target. target_spec, when not
 * NULL, is target's windowed spectrum already made (the reference's, for every anchor). */
static gboolean
register_pair (const float         *moving,
               const float         *target,
               const kiss_fft_cpx  *target_spec,
               const gsize          dims[3],
               double               nominal,
               EvoxRegisterScale    mode,
               double               range,
               guint                upsample,
               double              *scale,
               double               shift[3],
               GCancellable        *cancellable,
               GError             **error)
{
  Level level;
  double lo = nominal * (1 - range), hi = nominal * (1 + range);
  gsize factor = 1, levels[2];
  guint n_levels;
  int d = dims[2] > 1 ? 3 : 2;

  *scale = mode == EVOX_REGISTER_SCALE_NONE ? 1.0 : nominal;
  if (mode == EVOX_REGISTER_SCALE_FIT && range > 0)
    {
      while ((double) dims[0] * dims[1] * dims[2] / pow (factor, d) > COARSE_VOXELS
             && MIN (dims[0], dims[1]) / (factor * 2) >= 32
             && (d == 2 || dims[2] / (factor * 2) >= 32))
        factor *= 2;
      levels[0] = factor;
      levels[1] = factor >= 4 ? factor / 2 : 1;
      n_levels = factor > 1 ? 2 : 1;

      /* The fine pass binned by half the coarse factor is precise enough (a 1e-4 scale error
       * moves a 512 px image's border by 0.03 px) at a quarter of the cost of the full image. */
      for (guint l = 0; l < n_levels; l++)
        {
          gsize f = levels[l], bdims[3];
          g_autofree float *bm = f > 1 ? bin_image (moving, dims, f, bdims) : NULL;
          g_autofree float *bt = f > 1 ? bin_image (target, dims, f, bdims) : NULL;
          Level search;
          double width;

          level_init (&search, f > 1 ? bdims : dims, f > 1 ? bm : moving, f > 1 ? bt : target,
                      NULL, l == 0 && f > 1 ? MIN (upsample, 10) : upsample);
          *scale = golden_section (&search, &lo, &hi, l > 0 ? 10 : f > 1 ? 10 : 16, cancellable);
          level_clear (&search);
          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            return FALSE;
          /* The next level searches around this best, a quarter of the range each side at least:
           * the binned copy's best can be off by more than its final bracket. */
          width = MAX (hi - lo, nominal * range / 4);
          lo = *scale - 1.5 * width;
          hi = *scale + 1.5 * width;
        }
    }
  level_init (&level, dims, moving, target, target_spec, upsample);
  level_translation (&level, *scale, shift);
  level_clear (&level);
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* The stack. */

static void
channel_to_float (EvoxVolume *raw,
                  guint       channel,
                  gsize       n,
                  float      *out)
{
  gconstpointer data = evox_volume_get_data (raw, channel);

  switch (evox_volume_get_sample_type (raw))
    {
    case EVOX_SAMPLE_U8:
      for (gsize i = 0; i < n; i++)
        out[i] = ((const guint8 *) data)[i];
      break;
    case EVOX_SAMPLE_U16:
      for (gsize i = 0; i < n; i++)
        out[i] = ((const guint16 *) data)[i];
      break;
    case EVOX_SAMPLE_F32:
    default:
      memcpy (out, data, n * sizeof (float));
      break;
    }
}

/* Whether the channel has something to register by: two finite values that differ. An energy
 * whose exposure failed (all NaN, all zero) correlates with nothing and would get a shift of
 * noise. Read as stored, so a u16 stack is not converted for it. */
static gboolean
channel_has_content (EvoxVolume *raw,
                     guint       channel,
                     gsize       n)
{
  gconstpointer data = evox_volume_get_data (raw, channel);
  double first = NAN;

  for (gsize i = 0; i < n; i++)
    {
      double v;

      switch (evox_volume_get_sample_type (raw))
        {
        case EVOX_SAMPLE_U8:
          v = ((const guint8 *) data)[i];
          break;
        case EVOX_SAMPLE_U16:
          v = ((const guint16 *) data)[i];
          break;
        case EVOX_SAMPLE_F32:
        default:
          v = ((const float *) data)[i];
          break;
        }
      if (!isfinite (v))
        continue;
      if (isnan (first))
        first = v;
      else if (v != first)
        return TRUE;
    }
  return FALSE;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (double *v,
        guint   n)
{
  qsort (v, n, sizeof (double), compare_doubles);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Flags the used entries (in energy order) whose shift on some axis is more than 3 MADs off
 * the median of up to 2 * FLAG_HALF_WINDOW nearest neighbours' shifts. */
static void
flag_outliers (EvoxRegistrationEntry *entries,
               const guint           *used,
               guint                  n_used)
{
  guint want = MIN (2 * FLAG_HALF_WINDOW, n_used - 1);

  if (want < 3)
    return;
  for (guint i = 0; i < n_used; i++)
    {
      EvoxRegistrationEntry *e = &entries[used[i]];
      /* The window: FLAG_HALF_WINDOW each side, moved inwards at the ends to keep its size. */
      gint start = CLAMP ((gint) i - FLAG_HALF_WINDOW, 0, (gint) (n_used - 1 - want));
      double values[2 * FLAG_HALF_WINDOW], dev[2 * FLAG_HALF_WINDOW];

      if (e->is_reference)
        continue;
      for (int a = 0; a < 3; a++)
        {
          guint m = 0;
          double med, mad;

          for (guint j = (guint) start; m < want; j++)
            if (j != i)
              values[m++] = entries[used[j]].shift[a];
          med = median (values, m);
          for (guint j = 0; j < m; j++)
            dev[j] = fabs (values[j] - med);
          mad = MAX (median (dev, m), FLAG_MAD_FLOOR);
          if (fabs (e->shift[a] - med) > 3 * mad)
            e->flagged = TRUE;
        }
    }
}

/* |NCC| of moving under t with the target. */
static double
transform_score (const float         *moving,
                 const float         *target,
                 const gsize          dims[3],
                 const Transform     *t,
                 float               *work,
                 EvoxRegisterScratch *scratch)
{
  gsize n = dims[0] * dims[1] * dims[2];
  double ncc;

  _evox_register_resample_with (moving, dims, t->scale, t->shift, work, scratch);
  ncc = evox_register_ncc (work, target, n);
  return isfinite (ncc) ? fabs (ncc) : -1;
}

static guint
default_anchor_step (guint n_used)
{
  return MAX (2, (guint) ceil (sqrt ((double) n_used)));
}

/* One registration job: the entries in ascending energy, which are used, the reference, and per
 * used entry its raw image as f32 and the transform found. */
typedef struct
{
  EvoxVolume                *raw;
  const EvoxRegisterOptions *options;
  gsize                      dims[3];
  gsize                      n;
  guint                      n_ch;
  EvoxRegistrationEntry     *entries;
  guint                     *used;       /* entries not excluded, ascending energy */
  guint                      n_used;
  guint                      ref_pos;    /* the reference's place in used */
  guint                      ref;        /* the reference's entry */
  double                     ref_ps;
  float                     *ref_image;  /* the reference as f32 when raw is not f32 */
  float                     *scratch;    /* one other channel as f32 when raw is not f32 */
  EvoxRegisterScratch       *buffers;    /* for resampling whole images */
  Transform                 *transforms; /* per entry */
  guint                     *target_pos; /* per entry: the place in used of what it was
                                          * registered to (the report's residual) */
  kiss_fft_cpx              *ref_spec;   /* the reference's windowed spectrum, for anchors */
} Stack;

static void
stack_clear (Stack *s)
{
  g_free (s->ref_image);
  g_free (s->scratch);
  _evox_register_scratch_free (s->buffers);
  g_free (s->entries);
  g_free (s->used);
  g_free (s->transforms);
  g_free (s->target_pos);
  g_free (s->ref_spec);
}

/* The entries in ascending energy with the exclusions and the reference resolved, or FALSE
 * with EVOX_ERROR_ARGUMENT. */
/* Entry e's raw image as f32: an f32 volume's own channel, else converted one channel at a time
 * (the reference once), so a u16 stack never doubles in memory. Valid until the next call for
 * another entry that is not the reference. */
static const float *
stack_image (Stack *s,
             guint  e)
{
  guint channel = s->entries[e].raw_channel;

  if (evox_volume_get_sample_type (s->raw) == EVOX_SAMPLE_F32)
    return evox_volume_get_data (s->raw, channel);
  if (e == s->ref)
    {
      if (s->ref_image == NULL)
        {
          s->ref_image = g_new (float, s->n);
          channel_to_float (s->raw, channel, s->n, s->ref_image);
        }
      return s->ref_image;
    }
  if (s->scratch == NULL)
    s->scratch = g_new (float, s->n);
  channel_to_float (s->raw, channel, s->n, s->scratch);
  return s->scratch;
}

static gboolean
stack_resolve_entries (Stack   *s,
                       GError **error)
{
  const EvoxRegisterOptions *options = s->options;
  g_autofree guint *order = g_new (guint, s->n_ch);
  int ref = -1;

  for (guint c = 0; c < s->n_ch; c++)
    {
      double e = evox_volume_get_channel_energy (s->raw, c);

      if (!isfinite (e) || e <= 0)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "Channel %u (%s) has no energy to register by", c,
                       evox_volume_get_channel_label (s->raw, c));
          return FALSE;
        }
      order[c] = c;
    }
  for (guint i = 1; i < s->n_ch; i++)
    for (guint j = i; j > 0 && evox_volume_get_channel_energy (s->raw, order[j])
                               < evox_volume_get_channel_energy (s->raw, order[j - 1]); j--)
      {
        guint t = order[j];

        order[j] = order[j - 1];
        order[j - 1] = t;
      }
  s->entries = g_new0 (EvoxRegistrationEntry, s->n_ch);
  for (guint i = 0; i < s->n_ch; i++)
    {
      s->entries[i].energy_ev = evox_volume_get_channel_energy (s->raw, order[i]);
      s->entries[i].raw_channel = order[i];
      s->entries[i].channel = -1;
    }
  for (guint k = 0; k < options->n_exclude; k++)
    {
      gboolean found = FALSE;

      for (guint i = 0; i < s->n_ch; i++)
        if (fabs (s->entries[i].energy_ev - options->exclude_ev[k]) <= 0.05)
          {
            s->entries[i].excluded = TRUE;
            found = TRUE;
          }
      if (!found)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "No energy %.2f eV to exclude", options->exclude_ev[k]);
          return FALSE;
        }
    }
  if (isfinite (options->reference_ev) && options->reference_ev != 0)
    {
      for (guint i = 0; i < s->n_ch; i++)
        if (fabs (s->entries[i].energy_ev - options->reference_ev) <= 0.05)
          ref = (int) i;
      if (ref < 0)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "No energy %.2f eV to use as the reference", options->reference_ev);
          return FALSE;
        }
      if (s->entries[ref].excluded)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "The reference energy %.2f eV is excluded", s->entries[ref].energy_ev);
          return FALSE;
        }
    }
  else
    for (guint i = 0; i < s->n_ch; i++)
      if (!s->entries[i].excluded)
        ref = (int) i;
  s->used = g_new (guint, s->n_ch);
  for (guint i = 0; i < s->n_ch; i++)
    if (!s->entries[i].excluded)
      {
        if ((int) i == ref)
          s->ref_pos = s->n_used;
        s->entries[i].channel = (int) s->n_used;
        s->used[s->n_used++] = i;
      }
  if (s->n_used < 2)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "Excluding %u of %u energies leaves nothing to register", s->n_ch - s->n_used,
                   s->n_ch);
      return FALSE;
    }
  s->ref = (guint) ref;
  s->entries[ref].is_reference = TRUE;
  return TRUE;
}

/* Nominal scales further from 1 than this (either way) are refused: a TXM's magnification
 * changes with energy by a few percent over an edge scan, so 0.001 eV or a pixel size in the
 * wrong unit, not the optics, made them. */
#define MAX_NOMINAL_SCALE 2.0

/* Nominal scales: raw pixel size / the reference's when the channels' pixel sizes differ, else
 * the energy ratio (a TXM's magnification, hence pixel size, grows with energy). FALSE with
 * EVOX_ERROR_INVALID_DATA (the file's energies or pixel sizes, not an option) when one used entry's is outside 1 / MAX_NOMINAL_SCALE..MAX_NOMINAL_SCALE
 * and the scale is applied. */
static gboolean
stack_nominal_scales (Stack   *s,
                      GError **error)
{
  g_autofree double *pixel_size = g_new (double, s->n_ch);
  gboolean differ = FALSE;

  for (guint i = 0; i < s->n_ch; i++)
    pixel_size[i] = evox_volume_get_channel_pixel_size (s->raw, s->entries[i].raw_channel);
  s->ref_ps = pixel_size[s->ref];
  for (guint i = 0; i < s->n_ch; i++)
    if (isfinite (pixel_size[i]) && pixel_size[i] > 0 && isfinite (s->ref_ps) && s->ref_ps > 0
        && fabs (pixel_size[i] - s->ref_ps) > 1e-9 * s->ref_ps)
      differ = TRUE;
  for (guint i = 0; i < s->n_ch; i++)
    {
      EvoxRegistrationEntry *e = &s->entries[i];
      gboolean by_size = differ && isfinite (pixel_size[i]) && pixel_size[i] > 0;

      e->nominal_scale = by_size ? pixel_size[i] / s->ref_ps
                                 : e->energy_ev / s->entries[s->ref].energy_ev;
      e->scale = e->excluded ? NAN : 1.0;
      e->ncc_before = e->ncc_after = NAN;
      e->mi_before = e->mi_after = NAN;
      e->residual_px = NAN;
      if (e->excluded || s->options->scale == EVOX_REGISTER_SCALE_NONE
          || (e->nominal_scale >= 1 / MAX_NOMINAL_SCALE
              && e->nominal_scale <= MAX_NOMINAL_SCALE))
        continue;
      if (by_size)
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                     "Pixel sizes %g nm (%.2f eV) and %g nm (the reference, %.2f eV) give a "
                     "scale of %g, outside %g..%g; register with scale \"none\" to keep them",
                     pixel_size[i], e->energy_ev, s->ref_ps, s->entries[s->ref].energy_ev,
                     e->nominal_scale, 1 / MAX_NOMINAL_SCALE, MAX_NOMINAL_SCALE);
      else
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                     "Energies %g eV and %g eV (the reference) give a scale of %g, outside "
                     "%g..%g; register with scale \"none\" to keep them", e->energy_ev,
                     s->entries[s->ref].energy_ev, e->nominal_scale, 1 / MAX_NOMINAL_SCALE,
                     MAX_NOMINAL_SCALE);
      return FALSE;
    }
  return TRUE;
}

/* One link of a chain: energy e registered to target, the energy with content next nearer the
 * reference (or the reference itself), as raw images; the anchors also to the reference. */
typedef struct
{
  guint     e;
  guint     target;       /* entry */
  gint      side;         /* -1 below the reference, +1 above */
  gint      k;            /* e's place on its side, 1 nearest the reference */
  gboolean  tie;          /* every anchor_step-th and the side's last: an anchor */
  gboolean  anchor;       /* tie and not registered to the reference already: registered to
                           * it too */
  Transform relative;     /* e's raw grid onto target's raw grid */
  Transform direct;       /* e onto the reference (anchor candidates) */
} Link;

/* Entry e's raw image as f32 in buffer (its own data when the volume is f32); safe to call from
 * several threads with a buffer each. */
static const float *
stack_image_into (Stack *s,
                  guint  e,
                  float *buffer)
{
  if (evox_volume_get_sample_type (s->raw) == EVOX_SAMPLE_F32)
    return evox_volume_get_data (s->raw, s->entries[e].raw_channel);
  channel_to_float (s->raw, s->entries[e].raw_channel, s->n, buffer);
  return buffer;
}

/* The links of both sides, in order outwards from the reference on each side; empty energies
 * get no link (they stay unshifted). */
static Link *
stack_links (Stack  *s,
             guint   anchor_step,
             guint  *n_links)
{
  Link *links = g_new0 (Link, s->n_used);
  guint n = 0;

  for (gint side = -1; side <= 1; side += 2)
    {
      gint m = side < 0 ? (gint) s->ref_pos : (gint) (s->n_used - 1 - s->ref_pos);
      gint last = 0;
      guint target = s->ref;

      /* The last energy with content ties the chain's end. */
      for (gint k = 1; k <= m; k++)
        if (!s->entries[s->used[(gint) s->ref_pos + side * k]].empty)
          last = k;
      for (gint k = 1; k <= m; k++)
        {
          guint e = s->used[(gint) s->ref_pos + side * k];

          if (s->entries[e].empty)
            {
              s->transforms[e].scale = s->options->scale == EVOX_REGISTER_SCALE_NONE
                                         ? 1.0 : s->entries[e].nominal_scale;
              continue;
            }
          links[n].e = e;
          links[n].target = target;
          links[n].side = side;
          links[n].k = k;
          links[n].tie = k % (gint) anchor_step == 0 || k == last;
          links[n].anchor = links[n].tie && target != s->ref;
          n++;
          target = e;
        }
    }
  *n_links = n;
  return links;
}

/* The links with the scale known (energy, none): every image is scaled onto the reference's
 * grid once and its spectrum serves as the moving image of its link and as the target of the
 * next, so a link costs one resampling, two forward transforms and one inverse, where
 * register_pair makes the target's spectrum and scales anew. Each thread takes a run of
 * consecutive links, keeping the last spectrum for the next; the relative transform is then a
 * shift in reference pixels (link shift e: relative scale s / s_t, shift e / s_t, so that the
 * chain gives scale s and shift d_t + e). */
static void
stack_register_links_scaled (Stack         *s,
                             Link          *links,
                             guint          n_links,
                             EvoxProgress  *progress,
                             GCancellable  *cancellable)
{
  const EvoxRegisterOptions *o = s->options;
  gboolean f32 = evox_volume_get_sample_type (s->raw) == EVOX_SAMPLE_F32;
  gint done = 0;

#pragma omp parallel if (n_links > 1)
  {
    static const double zero[3] = { 0, 0, 0 };
    EvoxRegisterPlan *plan = _evox_register_plan_get (s->dims);
    gsize n_spec = _evox_register_spectrum_size (plan);
    EvoxRegisterScratch *scratch = _evox_register_scratch_new (plan);
    g_autofree float *buffer = f32 ? NULL : g_new (float, s->n);
    g_autofree float *scaled = g_new (float, s->n);
    g_autofree kiss_fft_cpx *current = g_new (kiss_fft_cpx, n_spec);
    g_autofree kiss_fft_cpx *previous = g_new (kiss_fft_cpx, n_spec);
    g_autofree kiss_fft_cpx *spec = g_new (kiss_fft_cpx, n_spec);
    guint previous_e = G_MAXUINT;

#pragma omp for schedule(static)
    for (guint i = 0; i < n_links; i++)
      {
        Link *l = &links[i];
        double scale = o->scale == EVOX_REGISTER_SCALE_NONE ? 1.0
                                                            : s->entries[l->e].nominal_scale;
        double target_scale = o->scale == EVOX_REGISTER_SCALE_NONE
                                ? 1.0 : s->entries[l->target].nominal_scale;
        const kiss_fft_cpx *target_spec = previous;
        double shift[3];

        if (g_cancellable_is_cancelled (cancellable))
          continue;
        if (l->target == s->ref)
          target_spec = s->ref_spec;
        else if (previous_e != l->target)
          {
            /* The first link of this thread's run: its target's spectrum, made as its own
             * link would have. */
            _evox_register_resample_with (stack_image_into (s, l->target, buffer), s->dims,
                                          target_scale, zero, scaled, scratch);
            _evox_register_forward (plan, scaled, previous, TRUE);
          }
        _evox_register_resample_with (stack_image_into (s, l->e, buffer), s->dims, scale, zero,
                                      scaled, scratch);
        _evox_register_forward (plan, scaled, current, TRUE);
        _evox_register_translate_scaled (plan, target_spec, scaled, current, o->upsample, spec,
                                         scratch, shift);
        l->relative.scale = scale / target_scale;
        for (int a = 0; a < 3; a++)
          l->relative.shift[a] = shift[a] / target_scale;
        if (l->anchor)
          {
            l->direct.scale = scale;
            _evox_register_translate_scaled (plan, s->ref_spec, scaled, current, o->upsample,
                                             spec, scratch, l->direct.shift);
          }
        /* This image's spectrum is the next link's target. */
        {
          kiss_fft_cpx *t = previous;

          previous = current;
          current = t;
          previous_e = l->e;
        }
        evox_progress_update (progress, (g_atomic_int_add (&done, 1) + 1.0) / n_links);
      }
    _evox_register_scratch_free (scratch);
    _evox_register_plan_release (plan);
  }
}

/* Registers every link (and every anchor to the reference), one link per thread: the links do
 * not depend on each other, as each registers raw images. FALSE when cancelled. */
static gboolean
stack_register_links (Stack         *s,
                      Link          *links,
                      guint          n_links,
                      EvoxProgress  *progress,
                      GCancellable  *cancellable,
                      GError       **error)
{
  const EvoxRegisterOptions *o = s->options;
  const float *ref_image = stack_image (s, s->ref);
  gboolean f32 = evox_volume_get_sample_type (s->raw) == EVOX_SAMPLE_F32;
  gint done = 0;

  {
    EvoxRegisterPlan *plan = _evox_register_plan_get (s->dims);

    s->ref_spec = g_new (kiss_fft_cpx, _evox_register_spectrum_size (plan));
    _evox_register_forward (plan, ref_image, s->ref_spec, TRUE);
    _evox_register_plan_release (plan);
  }
  if (o->scale != EVOX_REGISTER_SCALE_FIT)
    {
      stack_register_links_scaled (s, links, n_links, progress, cancellable);
      return !g_cancellable_set_error_if_cancelled (cancellable, error);
    }
#pragma omp parallel if (n_links > 1)
  {
    g_autofree float *moving_buffer = f32 ? NULL : g_new (float, s->n);
    g_autofree float *target_buffer = f32 ? NULL : g_new (float, s->n);

#pragma omp for schedule(dynamic, 1)
    for (guint i = 0; i < n_links; i++)
      {
        Link *l = &links[i];
        const float *moving, *target;
        /* The nominal scale from e's grid to the target's: both are to the reference's. */
        double nominal = s->entries[l->e].nominal_scale / s->entries[l->target].nominal_scale;

        if (g_cancellable_is_cancelled (cancellable))
          continue;
        moving = stack_image_into (s, l->e, moving_buffer);
        target = l->target == s->ref ? ref_image
                                     : stack_image_into (s, l->target, target_buffer);
        /* Cancelled inside: the check after the loop reports it. */
        if (!register_pair (moving, target, l->target == s->ref ? s->ref_spec : NULL, s->dims,
                            nominal, o->scale, o->scale_range, o->upsample, &l->relative.scale,
                            l->relative.shift, cancellable, NULL))
          continue;
        if (l->anchor
            && !register_pair (moving, ref_image, s->ref_spec, s->dims,
                               s->entries[l->e].nominal_scale, o->scale, o->scale_range,
                               o->upsample, &l->direct.scale, l->direct.shift, cancellable,
                               NULL))
          continue;
        evox_progress_update (progress, (g_atomic_int_add (&done, 1) + 1.0) / n_links);
      }
  }
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

/* Chains the links outwards from the reference on each side: an energy's transform is its
 * target's followed by its link's (ref = c + s_t (p_t - c) + d_t and p_t = c + r (p - c) + e give
 * scale s_t r and shift d_t + s_t e). An anchor whose direct registration matches the reference
 * at least as well takes it, and the difference from the chained transform is spread linearly
 * over the energies since the previous anchor, so chain errors stay bounded instead of adding
 * up. */
static void
stack_chain_links (Stack       *s,
                   const Link  *links,
                   guint        n_links,
                   float       *work)
{
  const float *ref_image = stack_image (s, s->ref);
  guint side_start = 0;
  gint k0 = 0;  /* the place of the side's last anchor, 0 the reference */

  for (guint i = 0; i < n_links; i++)
    {
      const Link *l = &links[i];
      Transform *t = &s->transforms[l->e];
      const Transform *tt = &s->transforms[l->target];
      gboolean tie = l->tie;

      if (i > 0 && links[i - 1].side != l->side)
        {
          side_start = i;
          k0 = 0;
        }
      t->scale = tt->scale * l->relative.scale;
      for (int a = 0; a < 3; a++)
        t->shift[a] = tt->shift[a] + tt->scale * l->relative.shift[a];
      s->target_pos[l->e] = (guint) s->entries[l->target].channel;
      if (l->anchor)
        {
          const float *image = stack_image (s, l->e);

          /* Across an edge the direct registration may fail where the chain did not: the anchor
           * ties the chain only when it matches the reference at least as well. */
          if (transform_score (image, ref_image, s->dims, &l->direct, work, s->buffers)
              < transform_score (image, ref_image, s->dims, t, work, s->buffers) - 0.01)
            tie = FALSE;
          else
            {
              for (guint j = side_start; j < i; j++)
                if (links[j].k > k0)
                  {
                    Transform *tj = &s->transforms[links[j].e];
                    double f = (double) (links[j].k - k0) / (l->k - k0);

                    tj->scale += f * (l->direct.scale - t->scale);
                    for (int a = 0; a < 3; a++)
                      tj->shift[a] += f * (l->direct.shift[a] - t->shift[a]);
                  }
              *t = l->direct;
              s->target_pos[l->e] = s->ref_pos;
            }
        }
      if (tie)
        {
          s->entries[l->e].is_anchor = TRUE;
          k0 = l->k;
        }
    }
}

/* The registered stack: each energy resampled once, scale and shift together, one energy per
 * thread; stops early when cancelled. */
static void
stack_resample (Stack        *s,
                EvoxVolume   *out,
                EvoxProgress *progress,
                GCancellable *cancellable)
{
  gint done = 0;

#pragma omp parallel if (s->n_used > 1)
  {
    EvoxRegisterPlan *plan = _evox_register_plan_get (s->dims);
    EvoxRegisterScratch *scratch = _evox_register_scratch_new (plan);
    g_autofree float *buffer = evox_volume_get_sample_type (s->raw) == EVOX_SAMPLE_F32
                                 ? NULL : g_new (float, s->n);

#pragma omp for schedule(dynamic, 1)
    for (guint u = 0; u < s->n_used; u++)
      {
        guint e = s->used[u];

        if (g_cancellable_is_cancelled (cancellable))
          continue;
        _evox_register_resample_with (stack_image_into (s, e, buffer), s->dims,
                                      s->transforms[e].scale, s->transforms[e].shift,
                                      evox_volume_get_data_mut (out, u), scratch);
        s->entries[e].scale = s->transforms[e].scale;
        memcpy (s->entries[e].shift, s->transforms[e].shift, sizeof s->entries[e].shift);
        evox_progress_update (progress, (g_atomic_int_add (&done, 1) + 1.0) / s->n_used);
      }
    _evox_register_scratch_free (scratch);
    _evox_register_plan_release (plan);
  }
}

/* The report: before is the raw pixels on the same grid, after the registered ones; the
 * residual is measured against what each was registered to (the reference for anchors, else
 * its neighbour nearer the reference as finally registered). */
static void
stack_report (Stack        *s,
              EvoxVolume   *out,
              EvoxProgress *progress)
{
  const float *reg_ref = evox_volume_get_data (out, s->ref_pos);
  const float *ref_image = stack_image (s, s->ref);
  gsize lo[3] = { 0, 0, 0 }, hi[3];
  gboolean finite = TRUE;

  /* The residual correlates over the box where every registered image is finite (one size, one
   * FFT plan): the NaN frame, set to the mean, would otherwise be an edge both images share. */
  for (int a = 0; a < 3; a++)
    hi[a] = s->dims[a] - 1;
  for (guint u = 0; u < s->n_used && finite; u++)
    {
      gsize clo[3], chi[3];

      /* An image with no finite pixel (a failed exposure) has no residual of its own (NaN
       * below); it must not take the others' with it. */
      memcpy (clo, lo, sizeof clo);
      memcpy (chi, hi, sizeof chi);
      if (_evox_register_finite_box (evox_volume_get_data (out, u), s->dims, clo, chi))
        {
          memcpy (lo, clo, sizeof lo);
          memcpy (hi, chi, sizeof hi);
        }
      else
        {
          gsize all_lo[3] = { 0, 0, 0 }, all_hi[3] = { s->dims[0] - 1, s->dims[1] - 1,
                                                       s->dims[2] - 1 };

          finite = !_evox_register_finite_box (evox_volume_get_data (out, u), s->dims, all_lo,
                                               all_hi);
        }
    }

  /* One energy per thread (the kernels' own parallel loops then run on one, which for whole
   * images is the more efficient split). Before: the raw pixels; after: the registered ones. */
#pragma omp parallel if (s->n_used > 1)
  {
    g_autofree float *buffer = evox_volume_get_sample_type (s->raw) == EVOX_SAMPLE_F32
                                 ? NULL : g_new (float, s->n);

#pragma omp for schedule(dynamic, 1)
    for (guint u = 0; u < s->n_used; u++)
      {
        EvoxRegistrationEntry *e = &s->entries[s->used[u]];
        const float *image = stack_image_into (s, s->used[u], buffer);
        const float *reg = evox_volume_get_data (out, u);

        _evox_register_similarity (image, ref_image, s->n, MI_BINS, &e->ncc_before,
                                   &e->mi_before);
        _evox_register_similarity (reg, reg_ref, s->n, MI_BINS, &e->ncc_after, &e->mi_after);
        if (e->is_reference)
          e->residual_px = 0;
        else if (!e->empty)
          {
            const float *target = evox_volume_get_data (out, s->target_pos[s->used[u]]);

            e->residual_px = finite
                               ? _evox_register_residual_in_box (target, reg, s->dims, lo, hi)
                               : NAN;
          }
      }
  }
  evox_progress_update (progress, 1.0);
  /* The trend is that of the energies with content; an empty one's zero shift is not on it. */
  {
    g_autofree guint *with_content = g_new (guint, s->n_used);
    guint m = 0;

    for (guint u = 0; u < s->n_used; u++)
      if (!s->entries[s->used[u]].empty)
        with_content[m++] = s->used[u];
      else
        s->entries[s->used[u]].flagged = TRUE;
    flag_outliers (s->entries, with_content, m);
  }
}

/* On the reference's grid: its pixel size laterally, and in z for a volume whose voxels were
 * cubes; labels, energies, value meaning and metadata from raw. */
static void
stack_describe_output (Stack      *s,
                       EvoxVolume *out)
{
  double spacing[3], origin[3];
  g_auto(GStrv) keys = evox_volume_dup_metadata_keys (s->raw);

  evox_volume_get_spacing (s->raw, spacing);
  evox_volume_get_origin (s->raw, origin);
  if (isfinite (s->ref_ps) && s->ref_ps > 0)
    {
      if (s->dims[2] > 1 && fabs (spacing[2] - spacing[0]) <= 1e-9 * spacing[0])
        spacing[2] = s->ref_ps;
      spacing[0] = spacing[1] = s->ref_ps;
    }
  evox_volume_set_spacing (out, spacing);
  evox_volume_set_origin (out, origin);
  evox_volume_set_spacing_known (out, evox_volume_get_spacing_known (s->raw));
  for (guint u = 0; u < s->n_used; u++)
    {
      guint rc = s->entries[s->used[u]].raw_channel;

      evox_volume_set_channel_info (out, u, evox_volume_get_channel_label (s->raw, rc),
                                    s->entries[s->used[u]].energy_ev);
      evox_volume_set_channel_values (out, u, evox_volume_get_channel_value_scale (s->raw, rc),
                                      evox_volume_get_channel_quantity (s->raw, rc),
                                      evox_volume_get_channel_unit (s->raw, rc));
      evox_volume_set_channel_pixel_size (out, u, s->ref_ps);
    }
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    evox_volume_set_metadata (out, keys[i], evox_volume_get_metadata (s->raw, keys[i]));
}

EvoxRegistration *
evox_register_stack (EvoxVolume                 *raw,
                     const EvoxRegisterOptions  *options,
                     EvoxProgress               *progress,
                     GCancellable               *cancellable,
                     GError                    **error)
{
  EvoxRegisterOptions defaults;
  Stack s = { 0 };
  g_autofree Link *links = NULL;
  guint n_links = 0;
  g_autofree float *work = NULL;
  g_autoptr(EvoxVolume) out = NULL;
  EvoxRegistration *result = NULL;
  guint anchor_step;
  gint64 t0;

  g_return_val_if_fail (EVOX_IS_VOLUME (raw), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options == NULL)
    {
      evox_register_options_init (&defaults);
      options = &defaults;
    }
  s.raw = raw;
  s.options = options;
  evox_volume_get_dims (raw, s.dims);
  s.n = s.dims[0] * s.dims[1] * s.dims[2];
  s.n_ch = evox_volume_get_n_channels (raw);
  if (s.n_ch < 2)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "Registration needs two or more energies; the volume has %u channel", s.n_ch);
      return NULL;
    }
  if (s.dims[0] < 2 || s.dims[1] < 2)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "Registration needs images at least 2x2 (got %zux%zu)", s.dims[0], s.dims[1]);
      return NULL;
    }
  if (!stack_resolve_entries (&s, error) || !stack_nominal_scales (&s, error))
    goto out;
  for (guint u = 0; u < s.n_used; u++)
    {
      EvoxRegistrationEntry *e = &s.entries[s.used[u]];

      e->empty = !channel_has_content (raw, e->raw_channel, s.n);
      if (e->empty && e->is_reference)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                       "The reference energy %.2f eV has no finite pixel or only one value: "
                       "there is nothing to register onto", e->energy_ev);
          goto out;
        }
    }
  {
    EvoxRegisterPlan *plan = _evox_register_plan_get (s.dims);

    s.buffers = _evox_register_scratch_new (plan);
    _evox_register_plan_release (plan);
  }
  s.transforms = g_new0 (Transform, s.n_ch);
  s.target_pos = g_new0 (guint, s.n_ch);
  for (guint i = 0; i < s.n_ch; i++)
    s.transforms[i].scale = 1.0;

  anchor_step = options->anchor_step > 0 ? options->anchor_step : default_anchor_step (s.n_used);
  work = g_new (float, s.n);
  t0 = g_get_monotonic_time ();
  evox_progress_set_stage (progress, "Registering", 0.0, 0.85);
  links = stack_links (&s, anchor_step, &n_links);
  if (!stack_register_links (&s, links, n_links, progress, cancellable, error))
    goto out;
  stack_chain_links (&s, links, n_links, work);

  g_debug ("registration: registering took %.3f s", (g_get_monotonic_time () - t0) / 1e6);
  t0 = g_get_monotonic_time ();
  /* The registered stack: each energy resampled once, scale and shift together. */
  evox_progress_set_stage (progress, "Resampling", 0.85, 0.95);
  out = evox_volume_new (s.dims[0], s.dims[1], s.dims[2], s.n_used, EVOX_SAMPLE_F32, error);
  if (out == NULL)
    goto out;
  stack_resample (&s, out, progress, cancellable);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    goto out;
  g_debug ("registration: resampling took %.3f s", (g_get_monotonic_time () - t0) / 1e6);
  t0 = g_get_monotonic_time ();
  evox_progress_set_stage (progress, "Measuring", 0.95, 1.0);
  stack_report (&s, out, progress);
  g_debug ("registration: the report took %.3f s", (g_get_monotonic_time () - t0) / 1e6);
  stack_describe_output (&s, out);
  evox_volume_freeze (out);
  result = evox_registration_new (raw, out, s.entries, s.n_ch,
                                  evox_register_scale_to_string (options->scale));

out:
  stack_clear (&s);
  return result;
}

/* ------------------------------------------------------------------------------------------ */

typedef struct
{
  EvoxVolume          *raw;
  EvoxRegisterOptions  options;
  double              *exclude;
  EvoxProgress        *progress;
} JobData;

static void
job_data_free (JobData *data)
{
  g_object_unref (data->raw);
  g_free (data->exclude);
  g_clear_pointer (&data->progress, evox_progress_unref);
  g_free (data);
}

static gpointer
stack_work (gpointer       user_data,
            GCancellable  *cancellable,
            GError       **error)
{
  JobData *data = user_data;

  return evox_register_stack (data->raw, &data->options, data->progress, cancellable, error);
}

void
evox_register_stack_async (EvoxVolume                 *raw,
                           const EvoxRegisterOptions  *options,
                           EvoxProgress               *progress,
                           GCancellable               *cancellable,
                           GAsyncReadyCallback         callback,
                           gpointer                    user_data)
{
  JobData *data;

  g_return_if_fail (EVOX_IS_VOLUME (raw));

  data = g_new0 (JobData, 1);
  data->raw = g_object_ref (raw);
  if (options != NULL)
    data->options = *options;
  else
    evox_register_options_init (&data->options);
  data->exclude = data->options.n_exclude > 0
                    ? g_memdup2 (data->options.exclude_ev,
                                 data->options.n_exclude * sizeof (double))
                    : NULL;
  data->options.exclude_ev = data->exclude;
  data->progress = progress != NULL ? evox_progress_ref (progress) : NULL;
  _evox_task_run (evox_register_stack_async, stack_work, data, (GDestroyNotify) job_data_free,
                  g_object_unref, cancellable, callback, user_data);
}

EvoxRegistration *
evox_register_stack_finish (GAsyncResult  *result,
                            GError       **error)
{
  return _evox_task_finish (result, evox_register_stack_async, error);
}
