"""``ecogis.qml``: the stable import path of the QML / SLD styles, a facade over :mod:`ecogis.publish.qml`.

Examples
--------
>>> from ecogis.qml import layer_qml
>>> import ecogis.publish.qml
>>> layer_qml is ecogis.publish.qml.layer_qml
True
"""

import ecogis.publish.qml as _qml
from ecogis.publish.qml import *  # noqa: F403 -- the facade re-exports the public names, whatever they become

__all__ = list(_qml.__all__)
