from services.hub.db import load_models, metadata
from shared.migrations import run_env

load_models()
run_env(metadata)
