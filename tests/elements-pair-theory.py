#!/usr/bin/python3
# elements-pair-theory.py: the pair method's coefficients on the XANES phantom, for
# SPDX-License-Identifier: BSD-3-Clause
# tests/test-elements.c (pair_theory). Not run by the tests; run by hand: /usr/bin/python3 this.
#
# The pair map of element X from its pair b:a at a voxel with amounts m_j is
#   sum_j m_j (mu_j(a) - mu_j(b)) / (mu_X(a) - mu_X(b)),
# the denominator from xraylib's tabulated CS_Total, the numerator with each element's mu/rho as
# the phantom makes it: xraylib's CS_Total, except Ni within 300 eV of its K edge, the README's
# formula ("The XANES demo") written here from that text. xraylib is the C library Evox links
# (Debian libxrl11 4.0.0), called through ctypes: Debian has no Python binding installed here.
import ctypes
import math

xrl = ctypes.CDLL("libxrl.so.11")
xrl.CS_Total.restype = ctypes.c_double
xrl.CS_Total.argtypes = [ctypes.c_int, ctypes.c_double, ctypes.c_void_p]
xrl.EdgeEnergy.restype = ctypes.c_double
xrl.EdgeEnergy.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
K_SHELL = 0
NI = 28
Z = {"Mn": 25, "Co": 27, "Ni": 28, "O": 8}


def cs(z, e):
    return xrl.CS_Total(z, e / 1000.0, None)


EDGE = 1000 * xrl.EdgeEnergy(NI, K_SHELL, None)


def ni_side(side, e):
    """Ni's tabulated value on one side of the edge, continued across it by the power law
    through its values 0.5 and 100 eV from the edge."""
    at, other = EDGE + 0.5 * side, EDGE + 100 * side
    if (e - at) * side > 0:
        return cs(NI, e)
    p = math.log(cs(NI, other) / cs(NI, at)) / math.log(other / at)
    return cs(NI, at) * (e / at) ** p


def ni_xanes(e, e0):
    if abs(e - EDGE) > 300:
        return cs(NI, e)
    below, above = ni_side(-1, e), ni_side(1, e)
    jump_e0 = ni_side(1, e0) - ni_side(-1, e0)
    step = 0.5 + math.atan((e - e0) / 2.0) / math.pi
    dw = (e - e0 - 8.0) / 3.0
    return below + (above - below) * step + 0.5 * jump_e0 * math.exp(-0.5 * dw * dw)


def phantom_mu(element, e, e0):
    return ni_xanes(e, e0) if element == "Ni" else cs(Z[element], e)


PAIRS = {"Mn": (6534, 6558), "Co": (7704, 7728), "Ni": (8297, 8393)}
for e0 in (8345.0, 8342.5):
    print("E0 %.1f eV" % e0)
    for x, (b, a) in PAIRS.items():
        jump = cs(Z[x], a) - cs(Z[x], b)
        coeffs = [(phantom_mu(j, a, e0) - phantom_mu(j, b, e0)) / jump for j in Z]
        print("  %s %d:%d  { %s }" % (x, b, a, ", ".join("%.10g" % c for c in coeffs)))

# Output (Debian 12, libxrl11 4.0.0+dfsg1-3):
# E0 8345.0 eV
#   Mn 6534:6558  { 1, -0.001901936728, -0.002211029352, -0.0006029864964 }
#   Co 7704:7728  { -0.007705503096, 1, -0.001517203719, -0.0003972443323 }
#   Ni 8297:8393  { -0.02639702912, -0.03009309278, 0.9729802043, -0.001272570797 }
# E0 8342.5 eV
#   Mn 6534:6558  { 1, -0.001901936728, -0.002211029352, -0.0006029864964 }
#   Co 7704:7728  { -0.007705503096, 1, -0.001517203719, -0.0003972443323 }
#   Ni 8297:8393  { -0.02639702912, -0.03009309278, 0.9728872652, -0.001272570797 }
