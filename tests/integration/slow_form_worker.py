"""The real worker, except that its form store pauses after writing a form: a test
kills it there, mid-activity, to prove a retry never makes a second form."""

import asyncio
import time

from activities import forms

_save = forms.FormStore.save


def _save_then_pause(
    self: forms.FormStore,
    request: forms.FormRequest,
    landlord: forms.Landlord | None = None,
    demo: bool = False,
) -> forms.StoredForm:
    stored = _save(self, request, landlord, demo)
    time.sleep(120)  # the test kills the process during this pause
    return stored


forms.FormStore.save = _save_then_pause  # type: ignore[method-assign]

if __name__ == "__main__":
    import worker

    asyncio.run(worker.main())
