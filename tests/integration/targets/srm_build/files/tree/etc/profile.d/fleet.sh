export FLEET=1
