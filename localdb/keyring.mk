# keyring part of localdb/ (included from localdb/local.mk)
