"""The simulated city of Rạch Giá: the embedded default feed (`type = "simulator"`).

One module per domain (traffic, lighting, air, water, reports) over the city's geography
(geography: boundary files, coast and canals; streets: the generated street network), counter-
based randomness in `noise`, and the connector in `source`.
"""

from .source import City, SimulatorSettings, SimulatorSource, build_city, street_network_geojson

__all__ = ["City", "SimulatorSettings", "SimulatorSource", "build_city", "street_network_geojson"]
