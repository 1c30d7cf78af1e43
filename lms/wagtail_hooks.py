from wagtail import hooks

from .admin.cohorts import CohortsGroup, admin_urls


@hooks.register("register_admin_viewset")
def register_cohort_viewsets():
    return CohortsGroup()


@hooks.register("register_admin_urls")
def register_cohort_import_urls():
    return admin_urls()
