# canon part of core/ (included from core/local.mk)
