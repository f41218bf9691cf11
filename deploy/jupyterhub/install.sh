#!/usr/bin/env bash
# Install the class hub on this machine: the hub, the students' environment and the proxy.
#
#   deploy/jupyterhub/install.sh            # into the repository's .venv (created if missing)
#   NNBASICS_HUB_VENV=/opt/nnbasics deploy/jupyterhub/install.sh   # a venv students can read
#
# One pip resolution over requirements.txt (the notebooks' pins and the nnbasics package) and
# the hub's and the students' pins here, so pip proves they agree; then binder/postBuild's
# JupyterLab setting into that environment; then configurable-http-proxy from npm, exactly as
# package-lock.json pins it, into deploy/jupyterhub/node_modules (Node.js >= 20 needed).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${NNBASICS_HUB_VENV:-$root/.venv}"
python="${PYTHON:-python3}"

command -v node >/dev/null || { echo "install.sh: Node.js >= 20 is needed for configurable-http-proxy" >&2; exit 1; }
node -e 'process.exit(parseInt(process.versions.node) >= 20 ? 0 : 1)' ||
    { echo "install.sh: Node.js $(node --version) is too old; configurable-http-proxy needs >= 20" >&2; exit 1; }

if [ ! -x "$venv/bin/python" ]; then
    echo "install.sh: creating $venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
fi
cd "$root"     # requirements.txt ends with `-e .`: the repository itself
"$venv/bin/python" -m pip install --quiet -r requirements.txt \
    -r deploy/jupyterhub/requirements.txt -r deploy/jupyterhub/requirements-user.txt
NB_PYTHON_PREFIX="$venv" bash binder/postBuild

(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
echo "install.sh: jupyterhub $("$venv/bin/jupyterhub" --version), configurable-http-proxy" \
     "$("$here/node_modules/.bin/configurable-http-proxy" --version) in $venv and $here/node_modules"
echo "install.sh: start the hub with: $venv/bin/jupyterhub -f $here/jupyterhub_config.py"
