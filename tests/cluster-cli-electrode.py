#!/usr/bin/python3
# cluster-cli-electrode.py: the oracle of test-cluster-cli's /Evox/ClusterCli/real. The crop
# x, y, z in 100..139 of electrode.tiff, its local texture features as Evox defines them (value;
# mean and population std over the 3^3 window's part inside the crop; numpy.gradient's magnitude
# with the voxel spacing 2, 3, 5 nm the test writes), z-scored (StandardScaler), then
# scikit-learn's KMeans(3, n_init=10): its inertia and its centres in the original units,
# largest cluster first.
import sys
import numpy as np
import tifffile
from scipy import ndimage
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler

volume = tifffile.imread(sys.argv[1]).astype(np.float64)
crop = volume[100:140, 100:140, 100:140]          # z, y, x
ones = np.ones_like(crop)
count = ndimage.uniform_filter(ones, 3, mode="constant") * 27
total = ndimage.uniform_filter(crop, 3, mode="constant") * 27
squares = ndimage.uniform_filter(crop * crop, 3, mode="constant") * 27
mean = total / count
std = np.sqrt(np.maximum(squares / count - mean * mean, 0))
gz, gy, gx = np.gradient(crop, 5, 3, 2)
gradient = np.sqrt(gx * gx + gy * gy + gz * gz)
features = np.stack([crop, mean, std, gradient], axis=-1).reshape(-1, 4)
scaled = StandardScaler().fit_transform(features)
best = KMeans(3, n_init=10, random_state=0).fit(scaled)
sizes = np.bincount(best.labels_, minlength=3)
order = np.argsort(-sizes, kind="stable")
centres = StandardScaler().fit(features).inverse_transform(best.cluster_centers_)
print("inertia %.17g" % best.inertia_)
for c in order:
    print(sizes[c], " ".join("%.17g" % v for v in centres[c]))
