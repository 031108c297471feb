# The README's two commands, plus the stages of the test run.
.PHONY: demo test setup units sanity lint galaxy newcomer integration fleet molecule boot netboot bench clean

demo: setup
	ANSIBLE_COLLECTIONS_PATH=$(CURDIR)/.venv/collections .venv/bin/ansible-playbook -i inventories/demo playbooks/demo.yml

test: setup
	bash scripts/test.sh

setup:
	bash scripts/bootstrap.sh

units sanity lint galaxy newcomer integration fleet molecule boot netboot: setup
	bash scripts/test.sh $@

bench: setup
	ANSIBLE_COLLECTIONS_PATH=$(CURDIR)/.venv/collections .venv/bin/python bench/bench.py

clean:
	rm -rf .cache build
