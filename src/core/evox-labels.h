/* evox-labels.h: connected components (particles) of a phase and their statistics. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-progress.h"
#include "evox-volume.h"

G_BEGIN_DECLS

/* Which neighbours touch: faces (6), faces and edges (18), faces, edges and corners (26). */
typedef enum
{
  EVOX_CONNECTIVITY_6 = 6,
  EVOX_CONNECTIVITY_18 = 18,
  EVOX_CONNECTIVITY_26 = 26,
} EvoxConnectivity;

gboolean evox_connectivity_is_valid (int connectivity);

/* The labelling kernel. Voxels with mask != 0 are foreground (x fastest, then y, then z); each
 * connected component gets a label 1..n numbered in raster order of its first voxel, as
 * scipy.ndimage.label numbers them; background gets 0. Runs on every OpenMP thread; reports
 * progress and stops with G_IO_ERROR_CANCELLED when cancelled. */
gboolean evox_label_components (const guint8      *mask,
                                const gsize        dims[3],
                                EvoxConnectivity   connectivity,
                                guint32           *labels,
                                guint32           *n_labels,
                                EvoxProgress      *progress,
                                GCancellable      *cancellable,
                                GError           **error);

/* One particle. Geometry uses the volume's spacing and origin (voxel centre (i, j, k) is at
 * origin + spacing * (i, j, k)); values are stored values (log10 numbers for log10 data), over
 * the particle's finite voxels. */
typedef struct
{
  guint32  id;
  guint64  voxels;
  double   volume_nm3;       /* voxels * voxel volume */
  double   diameter_nm;      /* equivalent sphere diameter, (6 V / pi)^(1/3) */
  double   area_nm2;         /* Crofton estimate from boundary crossings along the 13 lattice
                              * directions (see evox-labels.c) */
  double   sphericity;       /* pi^(1/3) (6 V)^(2/3) / area, 1 for a ball */
  double   centroid_nm[3];
  guint32  bbox_min[3];      /* voxel indices, inclusive */
  guint32  bbox_max[3];
  double   mean;
  double   std;              /* population standard deviation */
  double   min;
  double   max;
  gboolean touches_border;   /* some voxel lies on a face of the volume */
} EvoxParticle;

/* The result of labelling one phase of one channel: the label volume (u32, the volume's dims,
 * 0 = background, particles 1..n in raster order of their first voxel after the size filter)
 * and one EvoxParticle per label. Immutable. */
#define EVOX_TYPE_LABELS (evox_labels_get_type ())
G_DECLARE_FINAL_TYPE (EvoxLabels, evox_labels, EVOX, LABELS, GObject)

/* Particles of the voxels with lo <= v <= hi in channel (for a label volume, lo = hi = the
 * label); components with fewer than min_size voxels are dropped (min_size 0 or 1 keeps all).
 * phase_name is kept for tables and files (may be NULL). Fails with EVOX_ERROR_ARGUMENT on
 * lo > hi or NaN edges, EVOX_ERROR_TOO_LARGE when the label volume does not fit the memory cap,
 * G_IO_ERROR_CANCELLED when cancelled. */
EvoxLabels         *evox_labels_compute        (EvoxVolume          *volume,
                                                guint                channel,
                                                const char          *phase_name,
                                                double               lo,
                                                double               hi,
                                                EvoxConnectivity     connectivity,
                                                guint64              min_size,
                                                EvoxProgress        *progress,
                                                GCancellable        *cancellable,
                                                GError             **error);
void                evox_labels_compute_async  (EvoxVolume          *volume,
                                                guint                channel,
                                                const char          *phase_name,
                                                double               lo,
                                                double               hi,
                                                EvoxConnectivity     connectivity,
                                                guint64              min_size,
                                                EvoxProgress        *progress,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
EvoxLabels         *evox_labels_compute_finish (GAsyncResult        *result,
                                                GError             **error);
/* Several phases one after the other into one shared label volume (peak memory: the volume,
 * one label volume and one phase's runs); see evox-labels.c. */
GPtrArray          *evox_labels_compute_phases (EvoxVolume          *volume,
                                                guint                channel,
                                                guint                n_phases,
                                                const char * const  *names,
                                                const double        *lo,
                                                const double        *hi,
                                                EvoxConnectivity     connectivity,
                                                guint64              min_size,
                                                EvoxProgress        *progress,
                                                GCancellable        *cancellable,
                                                GError             **error);

/* Particles from a label volume made elsewhere (watershed splitting): labels (the volume's
 * dims, 0 = background, any numbers up to max_label) are taken over, renumbered 1..n in raster
 * order of each particle's first voxel and measured as evox_labels_compute() measures. The range,
 * connectivity and min_size are kept for tables and files. Fails with G_IO_ERROR_CANCELLED when
 * cancelled or EVOX_ERROR_TOO_LARGE when the tables do not fit the memory cap; labels is freed
 * either way, with _evox_free_large (): allocate it with _evox_alloc_large (). */
EvoxLabels         *_evox_labels_new_take      (EvoxVolume          *volume,
                                                guint                channel,
                                                const char          *phase_name,
                                                double               lo,
                                                double               hi,
                                                EvoxConnectivity     connectivity,
                                                guint64              min_size,
                                                guint32             *labels,
                                                guint32              max_label,
                                                EvoxWorkMonitor     *monitor,
                                                GError             **error);

/* The Crofton estimate's 13 lattice directions (one of each +-pair) and the area each boundary
 * crossing along them stands for, 2 w_d V / |d| (see evox-labels.c): for other surface
 * estimates, such as the interface between two phases. */
void                _evox_crofton_factors      (const double         spacing[3],
                                                int                  directions[13][3],
                                                double               factors[13]);

EvoxVolume         *evox_labels_get_volume     (EvoxLabels          *self);
guint               evox_labels_get_channel    (EvoxLabels          *self);
const char         *evox_labels_get_phase_name (EvoxLabels          *self);
void                evox_labels_get_range      (EvoxLabels          *self,
                                                double              *lo,
                                                double              *hi);
EvoxConnectivity    evox_labels_get_connectivity (EvoxLabels        *self);
guint64             evox_labels_get_min_size   (EvoxLabels          *self);
/* Components found before the size filter, and those it dropped. */
guint               evox_labels_get_n_found    (EvoxLabels          *self);
guint               evox_labels_get_n_dropped  (EvoxLabels          *self);
/* The h of each watershed split (evox_watershed_split, in the volume's spacing unit) that made
 * these labels from labels computed from the phase's range, in the order they were applied; NULL
 * and 0 for labels not split. A session records them to split the particles again. */
const double       *evox_labels_get_split_h    (EvoxLabels          *self,
                                                guint               *n_splits);
void                _evox_labels_set_split_h   (EvoxLabels          *self,
                                                const double        *split_h,
                                                guint                n_splits);
void                evox_labels_get_dims       (EvoxLabels          *self,
                                                gsize                dims[3]);
const guint32      *evox_labels_get_data       (EvoxLabels          *self);
gconstpointer       evox_labels_get_shared_data (EvoxLabels         *self,
                                                 guint32            *offset,
                                                 guint              *bytes);
guint32             evox_labels_get_label      (EvoxLabels          *self,
                                                gsize                x,
                                                gsize                y,
                                                gsize                z);
guint               evox_labels_get_n_particles (EvoxLabels         *self);
/* Particle with label id (1..n); NULL for 0 or past the end. */
const EvoxParticle *evox_labels_get_particle   (EvoxLabels          *self,
                                                guint32              id);
/* Particles per cubic micrometre of the whole volume. */
double              evox_labels_get_number_density (EvoxLabels     *self);

/* What the particles are coloured by in the views: nothing (the colour map of the values), a
 * distinct hue per particle, or a property through the colour map. */
typedef enum
{
  EVOX_PARTICLE_COLOR_NONE,
  EVOX_PARTICLE_COLOR_ID,
  EVOX_PARTICLE_COLOR_VOXELS,
  EVOX_PARTICLE_COLOR_DIAMETER,
  EVOX_PARTICLE_COLOR_SPHERICITY,
  EVOX_PARTICLE_COLOR_MEAN,
  EVOX_PARTICLE_COLOR_BORDER,
  EVOX_N_PARTICLE_COLORS
} EvoxParticleColor;

/* "Equivalent diameter" and "nm" for the colour bar; the unit is "" when there is none (the
 * mean is in the volume's stored values). */
const char *evox_particle_color_get_title (EvoxParticleColor  by);
const char *evox_particle_color_get_unit  (EvoxParticleColor  by);
/* The property's value for p (touches-border is 0 or 1); NAN for NONE and ID. */
double      evox_particle_color_value     (const EvoxParticle *p,
                                           EvoxParticleColor   by);
/* Sizes span decades (a few voxels to most of a phase): they are coloured on a log scale. */
gboolean    evox_particle_color_is_log    (EvoxParticleColor  by);
/* The smallest and largest finite value over the particles; FALSE when there is none. */
gboolean    evox_labels_get_color_range   (EvoxLabels         *self,
                                           EvoxParticleColor   by,
                                           double             *lo,
                                           double             *hi);
/* RGBA8 colours of labels 0..n (n + 1 entries, *n_entries set): label 0 and particles without
 * a finite value are transparent (drawn as without colouring); particle l has the colour-map
 * entry round (255 t), t = (value - lo) / (hi - lo) over evox_labels_get_color_range (log value
 * over log lo and hi where evox_particle_color_is_log; 0.5 when lo = hi), or for ID a hue of its
 * own. NULL for NONE. */
guint8     *evox_labels_dup_colors        (EvoxLabels         *self,
                                           EvoxParticleColor   by,
                                           const char         *colormap,
                                           gsize              *n_entries);

G_END_DECLS
