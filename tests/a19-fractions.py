# a19-fractions.py: the oracle of test-csv's /Evox/Csv/fractions-a19 (numpy): the Gr/Si preset's counts
# on the measured scans and on the interpolated volume of the real A19 table.
# SPDX-License-Identifier: BSD-3-Clause
import os
import numpy as np
data = os.environ.get('EVOX_TEST_DATA', os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'data'))
t = np.genfromtxt(os.path.join(data, 'ssrm', 'A19_GrSi_Anode_1x1.csv'), delimiter=',', names=True)
order = np.lexsort((t['X'], t['Y']))           # X fastest, then Y
t = t[order]
scans = [t['R%d' % i].astype(np.float32) for i in range(4)]
depths = [float(t['Z%d' % i][0]) for i in range(4)]
layers = []
for z in np.arange(0, 131, 10.0):
    k = max(i for i in range(4) if depths[i] <= z + 1e-6)
    if abs(depths[k] - z) < 1e-6:
        layers.append(scans[k])
    else:
        w = (z - depths[k]) / (depths[k + 1] - depths[k])
        layers.append(((1 - w) * scans[k].astype(np.float64) + w * scans[k + 1].astype(np.float64)).astype(np.float32))
vol = np.stack(layers)
meas = np.stack(scans)
print('layers', vol.shape, 'scans', meas.shape)
for name, data in (('measured', meas), ('volume', vol)):
    v = data[np.isfinite(data)].astype(np.float64)
    g = (v >= -7.0) & (v <= -3.5)
    si = (v > -3.5) & (v <= -0.5)         # -3.5 is graphite's: the first phase owns a shared edge
    b = (v > -0.5) & (v <= 2.0)
    print(name, v.size, g.sum(), si.sum(), b.sum(), 'on -3.5:', (v == -3.5).sum(), 'on -0.5:', (v == -0.5).sum())
    print('  %.4f %.4f %.4f' % (g.sum() / v.size, si.sum() / v.size, b.sum() / v.size))
