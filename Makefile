# The README's two commands, plus the stages of the test run.
.PHONY: demo test test-all setup setup-test units sanity lint galaxy newcomer integration fleet molecule boot netboot bench fresh-machine clean

demo: setup
	ANSIBLE_COLLECTIONS_PATH=$(CURDIR)/.venv/collections .venv/bin/ansible-playbook -i inventories/demo playbooks/demo.yml

test: setup-test
	bash scripts/test.sh

# The demo's packages (bindep.txt without a profile) and the Python environment.
setup:
	bash scripts/bootstrap.sh

# Also every package any test stage needs (bindep.txt profile `test`), before the first stage runs.
setup-test:
	bash scripts/bootstrap.sh test

units sanity lint galaxy newcomer integration fleet molecule boot netboot: setup-test
	bash scripts/test.sh $@

bench: setup-test
	ANSIBLE_COLLECTIONS_PATH=$(CURDIR)/.venv/collections .venv/bin/python bench/bench.py

# The README's two commands in a new Debian 12 root made with debootstrap (scripts/fresh-machine.sh).
fresh-machine:
	bash scripts/fresh-machine.sh

clean:
	rm -rf .cache build
