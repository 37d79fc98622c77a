#!/usr/bin/python3
# kmeans-sklearn.py: the scikit-learn 1.2 numbers that tests/test-kmeans.c compares with, on the
# same generated points (splitmix64 uniforms, sums of four as Gaussians, rounded to float32).
# SPDX-License-Identifier: BSD-3-Clause
# Usage: kmeans-sklearn.py; needs python3-numpy and python3-sklearn. Prints C initialisers.
import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, silhouette_score
from sklearn.preprocessing import StandardScaler, MinMaxScaler
from sklearn.decomposition import PCA

M64 = (1 << 64) - 1

class Gen:
    """The generator of test-kmeans.c's blobs (): identical IEEE double arithmetic."""
    def __init__(self, seed):
        self.state = seed & M64
    def next(self):
        self.state = (self.state + 0x9e3779b97f4a7c15) & M64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M64
        z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M64
        return z ^ (z >> 31)
    def unif(self):
        return (self.next() >> 11) * 2.0 ** -53
    def gauss(self):
        u1 = self.unif(); u2 = self.unif(); u3 = self.unif(); u4 = self.unif()
        return (u1 + u2 + u3 + u4 - 2.0) * 1.7320508075688772

def blobs(seed, n, d, nb, spread, sigma):
    g = Gen(seed)
    centres = [[(g.unif() * 2.0 - 1.0) * spread for f in range(d)] for b in range(nb)]
    x = np.empty((n, d), dtype=np.float32)
    for i in range(n):
        for f in range(d):
            x[i, f] = np.float32(centres[i % nb][f] + sigma * g.gauss())
    return x

def c_doubles(name, a):
    a = np.asarray(a, dtype=np.float64).ravel()
    print("static const double %s[] = {" % name)
    for i in range(0, len(a), 4):
        print("  " + ", ".join("%.17g" % v for v in a[i:i + 4]) + ",")
    print("};")

def c_labels(name, labels):
    print("static const char %s[] =" % name)
    s = "".join(str(int(v)) for v in labels)
    for i in range(0, len(s), 80):
        print('  "%s"' % s[i:i + 80])
    print("  ;")

# 1. Lloyd from fixed centres (points 0..3 of the data), n 300, d 3, 4 overlapping blobs.
x = blobs(1, 300, 3, 4, 3.0, 1.5)
km = KMeans(4, init=x[:4].astype(np.float64), n_init=1, algorithm="lloyd").fit(x.astype(np.float64))
print("/* fixed init: inertia %.17g n_iter %d */" % (km.inertia_, km.n_iter_))
c_labels("fixed_labels", km.labels_)

# 1b. One start centre far from every point: its cluster is empty at once and is relocated.
init = x[:4].astype(np.float64).copy(); init[3] = [100, 100, 100]
km = KMeans(4, init=init, n_init=1, algorithm="lloyd").fit(x.astype(np.float64))
print("/* empty cluster: inertia %.17g n_iter %d */" % (km.inertia_, km.n_iter_))
c_labels("empty_labels", km.labels_)

# 1c. 40 features (the centre-by-centre distance loop), 5 blobs, from points 0..4.
x = blobs(9, 300, 40, 5, 0.6, 1.0)
km = KMeans(5, init=x[:5].astype(np.float64), n_init=1, algorithm="lloyd").fit(x.astype(np.float64))
print("/* 40 features: inertia %.17g n_iter %d */" % (km.inertia_, km.n_iter_))
c_labels("wide_labels", km.labels_)

# 2. k-means++ with n_init 10: the best inertia of scikit-learn over 20 seeds of n_init=10.
x = blobs(2, 500, 4, 6, 4.0, 1.2)
best = [KMeans(6, init="k-means++", n_init=10, algorithm="lloyd", random_state=s)
        .fit(x.astype(np.float64)).inertia_ for s in range(20)]
print("/* k-means++ n_init 10 over seeds 0..19: min %.17g max %.17g */" % (min(best), max(best)))

# 4. CH and silhouette of fixed labellings of the 5-blob sweep data (n 1000, d 3; centres at
#    least 10.8 apart, 0.8 wide: the knee of the sweep is 5).
x = blobs(6, 1000, 3, 5, 10.0, 0.8)
lab = np.arange(1000) % 5
lab2 = (np.arange(1000) * 7 // 3) % 4
lab2[0] = 4   # a singleton cluster: its silhouette is 0
x64 = x.astype(np.float64)
print("/* CH blobs %.17g; CH mixed %.17g; silhouette blobs %.17g; silhouette mixed %.17g */" % (
    calinski_harabasz_score(x64, lab), calinski_harabasz_score(x64, lab2),
    silhouette_score(x64, lab), silhouette_score(x64, lab2)))

# 5. Scalers and PCA, n 200, d 5: feature 2 is constant, feature 3 follows feature 0.
x = blobs(5, 200, 5, 3, 2.0, 1.0)
x[:, 2] = 7.0
x[:, 3] = x[:, 0] * 2.0 + x[:, 3] * 0.25
x64 = x.astype(np.float64)
ss = StandardScaler().fit(x64)
mm = MinMaxScaler().fit(x64)
c_doubles("zscore_mean", ss.mean_)
c_doubles("zscore_scale", ss.scale_)
c_doubles("zscore_row7", ss.transform(x64)[7])
c_doubles("minmax_row7", mm.transform(x64)[7])
pca = PCA(3, svd_solver="full").fit(x64)
comp = pca.components_.copy()
for c in comp:          # the header's sign: the entry of largest magnitude is positive
    if c[np.argmax(np.abs(c))] < 0:
        c *= -1
c_doubles("pca_components", comp)
c_doubles("pca_variance", pca.explained_variance_)
c_doubles("pca_ratio", pca.explained_variance_ratio_)
c_doubles("pca_row7", (x64[7] - pca.mean_) @ comp.T)
