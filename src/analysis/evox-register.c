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
/* The coarse scale search runs on a copy binned until its largest side is at most this. */
#define COARSE_SIDE 256
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
} Level;

static void
level_init (Level       *level,
            const gsize  dims[3],
            const float *moving,
            const float *target,
            guint        upsample)
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
  _evox_register_forward (level->plan, target, level->target_spec);
}

static void
level_clear (Level *level)
{
  _evox_register_plan_release (level->plan);
  g_free (level->target_spec);
  g_free (level->spec);
  g_free (level->work);
}

/* The translation after scaling moving by scale: phase correlation of the scaled image against
 * the target, then once more on the image moved by that shift. The second pass sees two images
 * already aligned to a fraction of a pixel, where the edge window cuts the same content from
 * both, so what is left of the window's pull on the first estimate is measured and removed.
 * Leaves the final moved image in level->work. */
static void
level_translation (Level  *level,
                   double  scale,
                   double  shift[3])
{
  static const double zero[3] = { 0, 0, 0 };
  double delta[3];

  evox_register_resample (level->moving, level->dims, scale, zero, level->work);
  _evox_register_forward (level->plan, level->work, level->spec);
  _evox_register_phase_correlation_spectra (level->plan, level->target_spec, level->spec,
                                            TRUE, level->upsample, shift);
  evox_register_resample (level->moving, level->dims, scale, shift, level->work);
  _evox_register_forward (level->plan, level->work, level->spec);
  _evox_register_phase_correlation_spectra (level->plan, level->target_spec, level->spec,
                                            FALSE, level->upsample, delta);
  if (fabs (delta[0]) < 1 && fabs (delta[1]) < 1 && fabs (delta[2]) < 1)
    for (int a = 0; a < 3; a++)
      shift[a] += delta[a];
}

/* How well moving matches the target at this scale with its best translation: |NCC|, since
 * across an absorption edge contrast may invert. */
static double
level_score (Level  *level,
             double  scale)
{
  double shift[3], ncc;

  level_translation (level, scale, shift);
  evox_register_resample (level->moving, level->dims, scale, shift, level->work);
  ncc = evox_register_ncc (level->work, level->target, level->n);
  return isfinite (ncc) ? fabs (ncc) : -1;
}

/* Golden-section search for the best score in [lo, hi]; returns the best scale seen and narrows
 * *lo, *hi to the final bracket. */
static double
golden_section (Level  *level,
                double *lo,
                double *hi,
                guint   iterations)
{
  const double g = (sqrt (5.0) - 1) / 2;
  double a = *lo, b = *hi;
  double x1 = b - g * (b - a), x2 = a + g * (b - a);
  double f1 = level_score (level, x1), f2 = level_score (level, x2);

  for (guint i = 0; i < iterations; i++)
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
#pragma omp parallel for schedule(static)
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

/* The scale (nominal x (1 +- range), by golden section on a binned copy and then at full
 * resolution) and the translation that put moving onto target. */
static void
register_pair (const float       *moving,
               const float       *target,
               const gsize        dims[3],
               double             nominal,
               EvoxRegisterScale  mode,
               double             range,
               guint              upsample,
               double            *scale,
               double             shift[3])
{
  Level level;
  double lo = nominal * (1 - range), hi = nominal * (1 + range);
  gsize factor = 1;

  *scale = mode == EVOX_REGISTER_SCALE_NONE ? 1.0 : nominal;
  if (mode == EVOX_REGISTER_SCALE_FIT && range > 0)
    {
      while (MAX (dims[0], dims[1]) / factor > COARSE_SIDE && MIN (dims[0], dims[1]) / factor >= 16)
        factor *= 2;
      if (factor > 1)
        {
          gsize bdims[3];
          g_autofree float *bm = bin_image (moving, dims, factor, bdims);
          g_autofree float *bt = bin_image (target, dims, factor, bdims);
          Level coarse;
          double width;

          level_init (&coarse, bdims, bm, bt, MIN (upsample, 10));
          *scale = golden_section (&coarse, &lo, &hi, 10);
          level_clear (&coarse);
          /* At full resolution, a bracket a few times the coarse one around its best. */
          width = MAX (hi - lo, nominal * 1e-4);
          lo = *scale - 1.5 * width;
          hi = *scale + 1.5 * width;
        }
      level_init (&level, dims, moving, target, upsample);
      *scale = golden_section (&level, &lo, &hi, factor > 1 ? 8 : 16);
    }
  else
    level_init (&level, dims, moving, target, upsample);
  level_translation (&level, *scale, shift);
  level_clear (&level);
}

/* ------------------------------------------------------------------------------------------ */
/* The stack. */

static float *
channel_to_float (EvoxVolume *raw,
                  guint       channel,
                  gsize       n)
{
  gconstpointer data = evox_volume_get_data (raw, channel);
  float *out = g_new (float, n);

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
  return out;
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

/* How far the registered image still is from its target, measured as registration measures: the
 * whitened phase correlation, refined by the plain correlation when within a pixel. */
static double
residual (EvoxRegisterPlan   *plan,
          const kiss_fft_cpx *target,
          const kiss_fft_cpx *moving,
          guint               upsample)
{
  double shift[3];

  _evox_register_phase_correlation_spectra (plan, target, moving, TRUE, upsample, shift);
  if (fabs (shift[0]) < 1 && fabs (shift[1]) < 1 && fabs (shift[2]) < 1)
    _evox_register_phase_correlation_spectra (plan, target, moving, FALSE, upsample, shift);
  return sqrt (shift[0] * shift[0] + shift[1] * shift[1] + shift[2] * shift[2]);
}

/* |NCC| of moving under t with the target. */
static double
transform_score (const float     *moving,
                 const float     *target,
                 const gsize      dims[3],
                 const Transform *t,
                 float           *work)
{
  gsize n = dims[0] * dims[1] * dims[2];
  double ncc;

  evox_register_resample (moving, dims, t->scale, t->shift, work);
  ncc = evox_register_ncc (work, target, n);
  return isfinite (ncc) ? fabs (ncc) : -1;
}

static guint
default_anchor_step (guint n_used)
{
  return MAX (2, (guint) ceil (sqrt ((double) n_used)));
}

EvoxRegistration *
evox_register_stack (EvoxVolume                 *raw,
                     const EvoxRegisterOptions  *options,
                     EvoxProgress               *progress,
                     GCancellable               *cancellable,
                     GError                    **error)
{
  EvoxRegisterOptions defaults;
  gsize dims[3], n;
  guint n_ch, n_used = 0, ref_pos = 0, anchor_step;
  int ref_ch = -1;
  g_autofree guint *order = NULL;        /* raw channels by ascending energy */
  g_autofree guint *used = NULL;         /* entry indices used, ascending energy */
  g_autofree EvoxRegistrationEntry *entries = NULL;
  g_autofree Transform *transforms = NULL;   /* per entry */
  g_autofree double *pixel_size = NULL;
  g_autofree float **images = NULL;      /* per entry, raw as f32 */
  g_autofree float *chain_target = NULL;
  g_autofree float *work = NULL;
  g_autofree kiss_fft_cpx *ref_spec = NULL;
  g_autoptr(EvoxVolume) out = NULL;
  gboolean pixel_sizes_differ = FALSE;
  double ref_ps, ref_ev, spacing[3], origin[3];
  EvoxRegistration *result = NULL;
  EvoxRegisterPlan *plan = NULL;
  guint done = 0;

  g_return_val_if_fail (EVOX_IS_VOLUME (raw), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options == NULL)
    {
      evox_register_options_init (&defaults);
      options = &defaults;
    }
  evox_volume_get_dims (raw, dims);
  n = dims[0] * dims[1] * dims[2];
  n_ch = evox_volume_get_n_channels (raw);
  if (n_ch < 2)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "Registration needs two or more energies; the volume has %u channel", n_ch);
      return NULL;
    }
  if (dims[0] < 2 || dims[1] < 2)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "Registration needs images at least 2x2 (got %zux%zu)", dims[0], dims[1]);
      return NULL;
    }
  for (guint c = 0; c < n_ch; c++)
    {
      double e = evox_volume_get_channel_energy (raw, c);

      if (!isfinite (e) || e <= 0)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "Channel %u (%s) has no energy to register by", c,
                       evox_volume_get_channel_label (raw, c));
          return NULL;
        }
    }

  /* Entries in ascending energy. */
  order = g_new (guint, n_ch);
  for (guint c = 0; c < n_ch; c++)
    order[c] = c;
  for (guint i = 1; i < n_ch; i++)
    for (guint j = i; j > 0 && evox_volume_get_channel_energy (raw, order[j])
                               < evox_volume_get_channel_energy (raw, order[j - 1]); j--)
      {
        guint t = order[j];

        order[j] = order[j - 1];
        order[j - 1] = t;
      }
  entries = g_new0 (EvoxRegistrationEntry, n_ch);
  for (guint i = 0; i < n_ch; i++)
    {
      entries[i].energy_ev = evox_volume_get_channel_energy (raw, order[i]);
      entries[i].raw_channel = order[i];
      entries[i].channel = -1;
    }
  for (guint k = 0; k < options->n_exclude; k++)
    {
      gboolean found = FALSE;

      for (guint i = 0; i < n_ch; i++)
        if (fabs (entries[i].energy_ev - options->exclude_ev[k]) <= 0.05)
          {
            entries[i].excluded = TRUE;
            found = TRUE;
          }
      if (!found)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "No energy %.2f eV to exclude", options->exclude_ev[k]);
          return NULL;
        }
    }
  if (isfinite (options->reference_ev) && options->reference_ev != 0)
    {
      for (guint i = 0; i < n_ch; i++)
        if (fabs (entries[i].energy_ev - options->reference_ev) <= 0.05)
          ref_ch = (int) i;
      if (ref_ch < 0)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "No energy %.2f eV to use as the reference", options->reference_ev);
          return NULL;
        }
      if (entries[ref_ch].excluded)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "The reference energy %.2f eV is excluded", entries[ref_ch].energy_ev);
          return NULL;
        }
    }
  else
    for (guint i = 0; i < n_ch; i++)
      if (!entries[i].excluded)
        ref_ch = (int) i;
  used = g_new (guint, n_ch);
  for (guint i = 0; i < n_ch; i++)
    if (!entries[i].excluded)
      {
        if ((int) i == ref_ch)
          ref_pos = n_used;
        entries[i].channel = (int) n_used;
        used[n_used++] = i;
      }
  if (n_used < 2)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "Excluding %u of %u energies leaves nothing to register", n_ch - n_used, n_ch);
      return NULL;
    }
  entries[ref_ch].is_reference = TRUE;
  entries[ref_ch].is_anchor = TRUE;

  /* Nominal scales: raw pixel size / the reference's when the channels say, else the energy
   * ratio (a TXM's magnification, hence pixel size, grows with energy). */
  pixel_size = g_new (double, n_ch);
  for (guint i = 0; i < n_ch; i++)
    pixel_size[i] = evox_volume_get_channel_pixel_size (raw, entries[i].raw_channel);
  ref_ps = pixel_size[ref_ch];
  ref_ev = entries[ref_ch].energy_ev;
  for (guint i = 0; i < n_ch; i++)
    if (isfinite (pixel_size[i]) && pixel_size[i] > 0 && isfinite (ref_ps) && ref_ps > 0
        && fabs (pixel_size[i] - ref_ps) > 1e-9 * ref_ps)
      pixel_sizes_differ = TRUE;
  for (guint i = 0; i < n_ch; i++)
    {
      gboolean by_size = pixel_sizes_differ && isfinite (pixel_size[i]) && pixel_size[i] > 0;

      entries[i].nominal_scale = by_size ? pixel_size[i] / ref_ps : entries[i].energy_ev / ref_ev;
      entries[i].scale = entries[i].excluded ? NAN : 1.0;
      entries[i].ncc_before = entries[i].ncc_after = NAN;
      entries[i].mi_before = entries[i].mi_after = NAN;
      entries[i].residual_px = NAN;
    }

  images = g_new0 (float *, n_ch);
  for (guint u = 0; u < n_used; u++)
    images[used[u]] = channel_to_float (raw, entries[used[u]].raw_channel, n);
  transforms = g_new0 (Transform, n_ch);
  for (guint i = 0; i < n_ch; i++)
    transforms[i].scale = 1.0;

  anchor_step = options->anchor_step > 0 ? options->anchor_step : default_anchor_step (n_used);
  plan = _evox_register_plan_get (dims);
  ref_spec = g_new (kiss_fft_cpx, _evox_register_spectrum_size (plan));
  chain_target = g_new (float, n);
  work = g_new (float, n);

  /* Two chains leave the reference, downwards and upwards in energy. Each energy is registered
   * to its neighbour nearer the reference as already registered (similar contrast, even across
   * an edge); every anchor_step-th and the last are also registered to the reference directly,
   * and the difference between the two is spread linearly back over the energies since the
   * previous anchor, so chain errors stay bounded instead of adding up. */
  evox_progress_set_stage (progress, "Registering", 0.0, 0.85);
  for (int side = -1; side <= 1; side += 2)
    {
      gint m = side < 0 ? (gint) ref_pos : (gint) (n_used - 1 - ref_pos);
      gint last_anchor = 0;

      memcpy (chain_target, images[ref_ch], n * sizeof (float));
      for (gint k = 1; k <= m; k++)
        {
          guint e = used[(gint) ref_pos + side * k];
          Transform *t = &transforms[e];
          gboolean anchor = k % (gint) anchor_step == 0 || k == m;

          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            goto out;
          register_pair (images[e], chain_target, dims, entries[e].nominal_scale, options->scale,
                         options->scale_range, options->upsample, &t->scale, t->shift);
          if (anchor && k > 1)
            {
              Transform direct;

              register_pair (images[e], images[ref_ch], dims, entries[e].nominal_scale,
                             options->scale, options->scale_range, options->upsample,
                             &direct.scale, direct.shift);
              /* Across an edge the direct registration may fail where the chain did not: the
               * anchor ties the chain only when it matches the reference at least as well. */
              if (transform_score (images[e], images[ref_ch], dims, &direct, work)
                  < transform_score (images[e], images[ref_ch], dims, t, work) - 0.01)
                anchor = FALSE;
              else
                {
                  for (gint j = last_anchor + 1; j < k; j++)
                    {
                      Transform *tj = &transforms[used[(gint) ref_pos + side * j]];
                      double f = (double) (j - last_anchor) / (k - last_anchor);

                      tj->scale += f * (direct.scale - t->scale);
                      for (int a = 0; a < 3; a++)
                        tj->shift[a] += f * (direct.shift[a] - t->shift[a]);
                    }
                  *t = direct;
                }
            }
          if (anchor)
            {
              entries[e].is_anchor = TRUE;
              last_anchor = k;
            }
          if (k < m)
            evox_register_resample (images[e], dims, t->scale, t->shift, chain_target);
          evox_progress_update (progress, (double) ++done / (n_used - 1));
        }
    }

  /* The registered stack: each energy resampled once, scale and shift together. */
  evox_progress_set_stage (progress, "Resampling", 0.85, 1.0);
  out = evox_volume_new (dims[0], dims[1], dims[2], n_used, EVOX_SAMPLE_F32, error);
  if (out == NULL)
    goto out;
  for (guint u = 0; u < n_used; u++)
    {
      guint e = used[u];
      float *dst = evox_volume_get_data_mut (out, u);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        goto out;
      evox_register_resample (images[e], dims, transforms[e].scale, transforms[e].shift, dst);
      entries[e].scale = transforms[e].scale;
      memcpy (entries[e].shift, transforms[e].shift, sizeof entries[e].shift);
      evox_progress_update (progress, (u + 0.5) / n_used);
    }
  /* The report: before is the raw pixels on the same grid, after the registered ones. */
  _evox_register_forward (plan, evox_volume_get_data (out, entries[ref_ch].channel), ref_spec);
  for (guint u = 0; u < n_used; u++)
    {
      guint e = used[u];
      const float *reg = evox_volume_get_data (out, u);
      const float *reg_ref = evox_volume_get_data (out, entries[ref_ch].channel);

      entries[e].ncc_before = evox_register_ncc (images[e], images[ref_ch], n);
      entries[e].mi_before = evox_register_mutual_information (images[e], images[ref_ch], n,
                                                               MI_BINS);
      entries[e].ncc_after = evox_register_ncc (reg, reg_ref, n);
      entries[e].mi_after = evox_register_mutual_information (reg, reg_ref, n, MI_BINS);
      if (entries[e].is_reference)
        entries[e].residual_px = 0;
      else
        {
          /* Against what it was registered to: the reference for anchors, else its neighbour
           * nearer the reference as finally registered. */
          gint side = u < ref_pos ? 1 : -1;
          const float *target = entries[e].is_anchor
                                  ? reg_ref : evox_volume_get_data (out, (guint) ((gint) u + side));
          g_autofree kiss_fft_cpx *ts = g_new (kiss_fft_cpx, _evox_register_spectrum_size (plan));
          g_autofree kiss_fft_cpx *ms = g_new (kiss_fft_cpx, _evox_register_spectrum_size (plan));

          _evox_register_forward (plan, target, ts);
          _evox_register_forward (plan, reg, ms);
          entries[e].residual_px = residual (plan, ts, ms, options->upsample);
        }
      evox_progress_update (progress, (u + 1.0) / n_used);
    }
  flag_outliers (entries, used, n_used);

  /* On the reference's grid: its pixel size laterally, and in z for a volume whose voxels were
   * cubes. */
  evox_volume_get_spacing (raw, spacing);
  evox_volume_get_origin (raw, origin);
  if (isfinite (ref_ps) && ref_ps > 0)
    {
      if (dims[2] > 1 && fabs (spacing[2] - spacing[0]) <= 1e-9 * spacing[0])
        spacing[2] = ref_ps;
      spacing[0] = spacing[1] = ref_ps;
    }
  evox_volume_set_spacing (out, spacing);
  evox_volume_set_origin (out, origin);
  evox_volume_set_spacing_known (out, evox_volume_get_spacing_known (raw));
  for (guint u = 0; u < n_used; u++)
    {
      guint rc = entries[used[u]].raw_channel;

      evox_volume_set_channel_info (out, u, evox_volume_get_channel_label (raw, rc),
                                    entries[used[u]].energy_ev);
      evox_volume_set_channel_values (out, u, evox_volume_get_channel_value_scale (raw, rc),
                                      evox_volume_get_channel_quantity (raw, rc),
                                      evox_volume_get_channel_unit (raw, rc));
      evox_volume_set_channel_pixel_size (out, u, ref_ps);
    }
  {
    g_auto(GStrv) keys = evox_volume_dup_metadata_keys (raw);

    for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
      evox_volume_set_metadata (out, keys[i], evox_volume_get_metadata (raw, keys[i]));
  }
  evox_volume_freeze (out);
  evox_progress_update (progress, 1.0);
  result = evox_registration_new (raw, out, entries, n_ch,
                                  evox_register_scale_to_string (options->scale));

out:
  _evox_register_plan_release (plan);
  for (guint i = 0; i < n_ch; i++)
    g_free (images[i]);
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
                    ? g_memdup2 (data->options.exclude_ev, data->options.n_exclude * sizeof (double))
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
