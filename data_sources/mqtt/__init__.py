"""MQTT (paho-mqtt 2): a push connector on a persistent QoS 1 subscription.

`source` holds the connector and its subscription loop, `mapping` the topic templates and
payload forms that turn messages into readings and assets (see each module).
"""

from data_sources.mqtt.source import MqttSettings, MqttSource

__all__ = ["MqttSettings", "MqttSource"]
