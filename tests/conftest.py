import os
import sys

# The library is a set of top-level modules in the repository's root.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
