# tomo-iradon.py: oracle numbers for test-tomo-recon's FBP test (run by hand with /usr/bin/python3,
# skimage 0.19.3; the tests never run it). Geometry of evox-tomo.h: t = (x - c) cos + (y - c) sin
# + center with y down, which is skimage's iradon (t = col cos - row sin) with theta negated; n
# odd so that skimage's centre n // 2 equals (n - 1) / 2.
import numpy as np
from skimage.transform import iradon

n, na = 33, 45
c = (n - 1) / 2
theta = np.pi * np.arange(na) / na
x = np.arange(n)
sino = np.zeros((na, n), np.float32)
for a in range(na):
    # two discs (dx, dy, r, mu) with the same float32 formula as the test
    for dx, dy, r, mu in ((3.0, -2.0, 9.0, 1.0), (-6.0, 5.0, 4.0, 0.5)):
        s = (x - c) - (dx * np.cos(theta[a]) + dy * np.sin(theta[a]))
        sino[a] += np.float32(2 * mu * np.sqrt(np.maximum(r * r - s * s, 0)))
for name in ("ramp", "shepp-logan"):
    rec = iradon(sino.T.astype(np.float64), theta=-np.degrees(theta), output_size=n,
                 filter_name=name, interpolation="linear", circle=False)
    print(name)
    for (px, py) in ((16, 16), (19, 14), (10, 21), (24, 10), (2, 2), (16, 26), (12, 16)):
        print("  { %d, %d, %.6f }," % (px, py, rec[py, px]))

# Hann as evox-tomo.h defines it, |w| (1 + cos (pi w / w_N)) / 2 (skimage's "hann" is a Hann
# window of the padded length instead): skimage's own ramp times that window, the rows filtered
# here, and iradon without a filter for the back-projection and its pi / (2 n_angles).
from skimage.transform.radon_transform import _get_fourier_filter
p = max(64, int(2 ** np.ceil(np.log2(2 * n))))
filt = _get_fourier_filter(p, "ramp")[:, 0] * (1 + np.cos(2 * np.pi * np.fft.fftfreq(p))) / 2
pad = np.zeros((p, na)); pad[:n] = sino.T
filtered = np.real(np.fft.ifft(np.fft.fft(pad, axis=0) * filt[:, None], axis=0))[:n]
rec = iradon(filtered, theta=-np.degrees(theta), output_size=n, filter_name=None,
             interpolation="linear", circle=False)
print("hann")
for (px, py) in ((16, 16), (19, 14), (10, 21), (24, 10), (2, 2), (16, 26), (12, 16)):
    print("  { %d, %d, %.6f }," % (px, py, rec[py, px]))
