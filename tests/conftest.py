import os

from hypothesis import settings
from registry_swish import swish  # noqa: F401  (fixture: a test-only activation, registered)

# Qt tests run headless; set before any test module imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# CI (CI=true) replays the same generated examples every run, so a red build is reproducible;
# locally hypothesis explores new examples each time.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
