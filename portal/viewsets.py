from wagtail.users.views.users import UserViewSet as WagtailUserViewSet

from portal.forms import StaffUserCreationForm, StaffUserEditForm


class UserViewSet(WagtailUserViewSet):
    pk_path_converter = "id"  # ids past 64 bits answer 404, not 500 (portal.converters)

    def get_form_class(self, for_update=False):
        return StaffUserEditForm if for_update else StaffUserCreationForm
