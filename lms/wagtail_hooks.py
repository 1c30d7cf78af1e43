from wagtail import hooks

from .admin.learning import learning_viewset_group
from .views import learning


@hooks.register("courses_course_context")
def add_learning_to_course_page(page, request, context):
    learning.course_context(page, request, context)


@hooks.register("courses_module_context")
def add_learning_to_module_page(page, request, context):
    learning.module_context(page, request, context)


@hooks.register("register_admin_viewset")
def register_learning_admin():
    return learning_viewset_group
