"""The version of the derivation behind an activity's stored figures.

Every activity row records the ``DERIVATION`` that produced its sport and numbers
(``activities.derivation``, revision 0017); a row from before that revision holds null, read as
"an older, unknown version".  ``loadwatch reprocess`` (``services/reprocess.py``) re-derives the
rows older than ``DERIVATION`` from their kept original bytes.

When to bump it: when a change makes an already stored activity's figures mean something else
or come out different from the same bytes - a decoder reading distance or time differently,
a new or changed summary column (fast, uphill or flat distance, the histograms, TRIMP's
heart-rate histogram), the sport decision, the moving/stopped time rules, the start or UTC
offset.  Not for a change in what is computed *from* the stored figures at evaluation (rules,
baselines, series: those are recomputed from the stored rows anyway), nor for a change in how
an athlete's setting is applied to them (heart rates: ``services/hr_load.py`` recomputes every
load), nor for a bug fix that cannot change a stored number.  Bumping costs each user one
``reprocess`` (a decode per kept file), so several changes in one release share one bump.

No imports: the status reads it without loading the decoders.

History:
1. revision 0017: the first recorded (0.1.0's figures and everything before are null).
"""

from __future__ import annotations

DERIVATION = 1
