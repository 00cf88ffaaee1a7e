# JupyterHub configuration for a class using the kit: a starting point for a real course.
#
# Tested: tests/test_hub.py starts JupyterHub with this very file (loaded first, then only the test's own
# authenticator, spawner, ports and paths on top) and plays a class of 20 students through it.
#
# What to change for your course (the lines marked CHANGE):
#   - the authenticator: your institution's login (LTI from your LMS, OAuth, LDAP, PAM for local accounts);
#   - the spawner: one Linux account per student (the default, LocalProcessSpawner, with PAM), containers
#     (DockerSpawner) or Kubernetes (Zero to JupyterHub); memory and CPU limits are enforced by those two;
#   - the repository students pull the kit from (in the nbgitpuller link you share, see below).
#
# Install on the hub machine, in the Python environment the single-user servers run in:
#   pip install -e <kit>        # or: conda env create -f environment.yml, then pip install --no-deps -e <kit>
#   pip install jupyterhub nbgitpuller
#   npm install -g configurable-http-proxy
# then run:  jupyterhub -f docs/hub/jupyterhub_config.py
#
# The link to share with students (they log in, get their own copy of the kit, and land on the start page):
#   https://<your-hub>/hub/user-redirect/git-pull?repo=<url-encoded repository URL>&branch=main
#       &urlpath=lab%2Ftree%2F<repository name>%2Fnotebooks%2F00_start_here.ipynb
# When you push a fix, students follow the same link again: nbgitpuller merges your change into their copy and
# keeps their own edits where both changed the same lines (their answers are never overwritten).
#
# Collecting for grading: every student's copy is in their home folder, <home>/<repository name>/exercises/.
# Copy them into SUBMISSIONS/<student>/ (the test does it as: for each user, copy
# <home>/<repo>/exercises/exNN_*.ipynb to SUBMISSIONS/<user>/), then run
#   python -m casekit grade SUBMISSIONS --out RESULTS
# on the hub machine or another Linux machine with bubblewrap.

c = get_config()  # noqa: F821 (defined by JupyterHub when it loads this file)

# Listen on all interfaces behind your TLS-terminating reverse proxy (CHANGE to your set-up).
c.JupyterHub.bind_url = "http://:8000"

# CHANGE: who may log in. With PAM (the default) every local account may; list your class instead:
# c.Authenticator.allowed_users = {"ann", "bob"}
# c.Authenticator.admin_users = {"instructor"}

# JupyterLab, with nbgitpuller opening links in it.
c.Spawner.default_url = "/lab"
c.Spawner.environment = {"NBGITPULLER_APP": "lab"}
c.Spawner.cmd = ["jupyterhub-singleuser"]

# Start-up: the first server of a class can take several seconds on a busy machine; spread a whole class's
# logins instead of failing them. The figures the load benchmark prints (benchmarks/bench_hub.py) help size this.
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 90
c.JupyterHub.concurrent_spawn_limit = 50

# A student's server that visits a link while stopped starts on its own after a second (no "Launch" click).
c.JupyterHub.implicit_spawn_seconds = 1

# Memory per student (enforced by DockerSpawner, KubeSpawner, SystemdSpawner; not by local processes). The load
# benchmark prints what one server and its kernel use with the kit; 1 GB leaves room for the exercises.
c.Spawner.mem_limit = "1G"

# Stopping the hub stops every student's server and the proxy (the defaults, kept explicit).
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True
