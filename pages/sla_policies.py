"""SLA policies: who must be followed up how fast (versioned policies with effective dates), the
business calendar they count in, the two-sided commitment, and a preview. Team leads and admins
edit; everyone with access reads. Every save is audited, re-measures the affected hand-offs and
clears the cached numbers."""

import streamlit as st

from components import sla_forms
from components.filters import link_filters_ignored
from components.shell import page_user
from components.widgets import page_header
from queries import settings, sla

user = page_user("sla_policies")
tz = settings.company_timezone()
can_edit = user.can("sla.edit")
link_filters_ignored()
page_header("SLA policies", "How fast sales follows up which leads, counted in which hours, and what each side "
            f"commits to · times in {tz}" + ("" if can_edit else " · read-only for your role"))

versions = sla.policy_versions()
policies, calendar, commitments, preview = st.tabs(["Policies", "Business calendar", "Commitments", "Try a lead"],
                                                        key="sla_policies_tab", on_change="rerun")
with policies:
    sla_forms.policies_in_force(versions, tz, sla.definitions_summary(tz=tz).fallback, can_edit)
    if can_edit:
        st.markdown("#### Add or change a policy")
        sla_forms.policy_form(user, versions, tz)
    if not versions.empty:
        with st.expander("Version history"):
            sla_forms.version_history(versions, tz)
with calendar:
    sla_forms.calendar_section(user, tz, can_edit)
with commitments:
    sla_forms.commitments_section(user, tz, can_edit)
with preview:
    sla_forms.preview_section(tz)
