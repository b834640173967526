import sys

from insights.report import main

sys.exit(main())
