# Shell helpers shared by bench/run.sh and bench/fuzz.sh (sourced, not run).

# A TCP port on 127.0.0.1 that nothing listens on right now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
