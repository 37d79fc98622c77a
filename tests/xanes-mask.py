#!/usr/bin/python3
# xanes-mask.py: the oracle for test-xanes's /Evox/Xanes/mask-sparse: the expected rates of the
# mask rule (step > k * standard error of the step, noise pooled over the pre-edge line's and
# post-edge line's residuals) on the test's two sparse grids, from numpy's pinv and scipy.stats.
# SPDX-License-Identifier: BSD-3-Clause
import numpy as np
from scipy import stats

E0, K, SNR = 8340.0, 3.0, 10.0
for pre in ([-100, -30], [-100, -65, -30]):
    d = np.array(pre + [-10, -5, 0, 5, 10, 15, 20, 30] + list(range(50, 291, 20)), float)
    P = (d >= -150) & (d <= -30)
    Q = d >= 50
    dp, dq = d[P], d[Q]
    pinv_pre = np.linalg.pinv(np.vstack([np.ones_like(dp), dp]).T)
    pinv_post = np.linalg.pinv(np.vstack([np.ones_like(dq), dq]).T)
    # the step at E0 as weights on the samples: the post-edge line's value at E0 of
    # mu - (pre-edge line)
    w = np.zeros(len(d))
    w[Q] += pinv_post[0]
    w[P] -= pinv_post[0].sum() * pinv_pre[0] + (pinv_post[0] * dq).sum() * pinv_pre[1]
    dof = (P.sum() - 2) + (Q.sum() - 2)
    wn = np.linalg.norm(w)
    print(f"{len(pre)} pre-edge points: dof {dof}, |w| {wn:.4f}, "
          f"false positives t.sf({K}, {dof}) = {stats.t.sf(K, dof):.9f} "
          f"(normal {stats.norm.sf(K):.9f}), "
          f"SNR {SNR} kept nct.sf({K}, {dof}, {SNR}/|w|) = {stats.nct.sf(K, dof, SNR / wn):.7f}")
