"""Runs Rasa's command line (`run`, `test`, `train`, …) with the project's start-up fixes.

    python -m deploy.rasa_server run --model models/assistant.tar.gz ...

The same arguments as `rasa`. Why not `rasa` itself:

- The logistic regression classifier loads with skops, and skops.io, on import,
  looks up the module of every numpy and scipy ufunc by scanning all of
  sys.modules. After TensorFlow (which `rasa` imports first) that is thousands
  of modules, and it costs about 8 of the 28 seconds a server takes to start.
  Imported first, skops.io builds the same table of trusted types (checked) in
  a fraction of the time.
- rasa_plugins/server_patches.py makes the server faster per message (see there).
  They are applied for `run` only: training and the other commands stay Rasa's own.
"""
import sys

import skops.io  # noqa: F401  (must come before rasa: see above)
from rasa.__main__ import main

from rasa_plugins import server_patches

if __name__ == "__main__":
    if sys.argv[1:2] == ["run"]:
        server_patches.apply()
        # Printed, not logged: Rasa sets up logging only later, inside main().
        print("deploy.rasa_server: applied rasa_plugins/server_patches.py", flush=True)
    main()
