using AgriInsure.Protocol;

namespace AgriInsure.Broker;

/// <summary>Who may publish and subscribe where, the same on both brokers: the embedded broker applies
/// <see cref="MayPublish"/> and <see cref="MaySubscribe"/>; Mosquitto is given <see cref="MosquittoAcl"/>, the same rules
/// as an <c>acl_file</c>. A user name is the client's identity (see <see cref="BrokerLogin"/>): a device's id, or
/// <see cref="BrokerLogin.CloudUser"/>. A device id is unique on one broker (one certificate or token per id), so a
/// device's own topics are those ending in its id.</summary>
public static class BrokerRules
{
    /// <summary>A device: only on its own capture topic. The cloud: only on ack topics. Nobody: anywhere else.</summary>
    public static bool MayPublish(string? user, string topic) => user switch
    {
        null => false,
        BrokerLogin.CloudUser => Topics.TryParseAckTopic(topic, out _, out _),
        _ => Topics.TryParseCaptureTopic(topic, out _, out var device) && device == user,
    };

    /// <summary>A device: only its own ack topic, spelled out (no wildcards). The cloud: every capture topic.</summary>
    public static bool MaySubscribe(string? user, string filter) => user switch
    {
        null => false,
        BrokerLogin.CloudUser => filter == Topics.AllCaptures() || Topics.TryParseCaptureTopic(filter, out _, out _),
        _ => Topics.TryParseAckTopic(filter, out _, out var device) && device == user,
    };

    /// <summary>The rules as a Mosquitto 2 <c>acl_file</c>, for listeners with <c>use_identity_as_username true</c>
    /// (<c>%u</c> is then the client certificate's CN); the devices' listener also wants <c>use_username_as_clientid true</c>,
    /// the rule the embedded broker applies to client ids (see PROTOCOL.md in the Protocol project). Mosquitto checks a subscription against the read rules and every
    /// delivered message again, and refuses a publish the write rules do not allow.</summary>
    public static string MosquittoAcl => $"""
        # Every device: publish on its own capture topic, read its own acks (%u: the certificate's CN, the device id).
        pattern write agri/{Topics.Version}/+/captures/%u
        pattern read agri/{Topics.Version}/+/acks/%u

        # The cloud's ingest: reads every capture, answers on every ack topic.
        user {BrokerLogin.CloudUser}
        topic read agri/{Topics.Version}/+/captures/+
        topic write agri/{Topics.Version}/+/acks/+

        """;
}
