"""FIWARE connectors: NGSI-v2 (Orion) and NGSI-LD (Orion-LD, Scorpio, Stellio) brokers.

`entities` reads one entity in any of the four encodings (v2 normalized and keyValues, LD
normalized and concise) into one flat view; `units` converts UN/CEFACT codes (looked up in
`data_sources.units`) and reads the standards' times; `models` maps the Smart Data Models onto our records; `ngsi_v2` and
`ngsi_ld` are the two connector kinds (paging, tenants, headers) over the shared `connector`;
`publisher` serves the simulated city as an Orion would (`cityops simulate --publish ngsi-v2`).
"""
