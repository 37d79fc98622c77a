# Two-phase tortuosity on a crop by a sparse direct solve (scipy), in Evox's convention (fixed
# faces half a voxel out, conductance 2 D_i, length L) and TauFactor MultiPhaseSolver's (fixed
# values on a ghost layer one voxel out with the voxel's own D, conductance D_i, length L + 1).
import sys
import numpy as np, tifffile, scipy.sparse as sp, scipy.sparse.linalg as spl
from scipy import ndimage
v = tifffile.imread(sys.argv[1])
d2 = float(sys.argv[2]); axis_name = sys.argv[3]
ax = {'x': 2, 'y': 1, 'z': 0}[axis_name]
D = np.zeros(v.shape); D[v == 170] = d2; D[v == 0] = 1.0
cond = D > 0
lab, n = ndimage.label(cond)  # 6-connectivity by default
first = np.take(lab, 0, axis=ax); last = np.take(lab, -1, axis=ax)
keep = np.intersect1d(np.unique(first[first > 0]), np.unique(last[last > 0]))
unk = np.isin(lab, keep)
idx = -np.ones(v.shape, int); idx[unk] = np.arange(unk.sum())
N = unk.sum()
def solve(ghost):
    rows, cols, vals = [], [], []
    diag = np.zeros(N); b = np.zeros(N)
    for a in range(3):
        sl0 = [slice(None)] * 3; sl1 = [slice(None)] * 3
        sl0[a] = slice(0, -1); sl1[a] = slice(1, None)
        i = idx[tuple(sl0)]; j = idx[tuple(sl1)]
        di = D[tuple(sl0)]; dj = D[tuple(sl1)]
        m = (i >= 0) & (j >= 0)
        w = 2 * di[m] * dj[m] / (di[m] + dj[m])
        rows += [i[m], j[m]]; cols += [j[m], i[m]]; vals += [-w, -w]
        np.add.at(diag, i[m], w); np.add.at(diag, j[m], w)
    g = 1.0 if ghost else 2.0
    i0 = np.take(idx, 0, axis=ax); d0 = np.take(D, 0, axis=ax); m0 = i0 >= 0
    i1 = np.take(idx, -1, axis=ax); d1 = np.take(D, -1, axis=ax); m1 = i1 >= 0
    np.add.at(diag, i0[m0], g * d0[m0]); np.add.at(b, i0[m0], g * d0[m0])
    np.add.at(diag, i1[m1], g * d1[m1])
    A = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(N, N)) + sp.diags(diag)
    c = spl.spsolve(A.tocsc(), b)
    fin = np.sum(g * d0[m0] * (1 - c[i0[m0]])); fout = np.sum(g * d1[m1] * c[i1[m1]])
    L = v.shape[ax]; area = v.size / L
    deff = 0.5 * (fin + fout) * (L + 1 if ghost else L) / area
    dmean = (np.sum(v == 0) + d2 * np.sum(v == 170)) / v.size
    return dmean / deff, deff, fin, fout
for ghost in (False, True):
    tau, deff, fin, fout = solve(ghost)
    print(f"{'taufactor-ghost' if ghost else 'evox-halfvoxel'} axis {axis_name} D2 {d2}: tau {tau:.9f} D_eff {deff:.9f} flux in {fin:.9g} out {fout:.9g}")
