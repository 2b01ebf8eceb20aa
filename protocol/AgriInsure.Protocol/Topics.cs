namespace AgriInsure.Protocol;

/// <summary>MQTT topic layout v1. The layout's version is in the topic so that devices of a later layout and
/// v1 devices can share a broker while the cloud runs both. A capture's payload carries its own version
/// (<see cref="Capture.V"/>): payload versions 1 and 2 travel on the same v1 topics.</summary>
public static class Topics
{
    public const string Version = "v1";

    public static string Captures(string tenant, string deviceId) => $"agri/{Version}/{Segment(tenant, nameof(tenant))}/captures/{Segment(deviceId, nameof(deviceId))}";

    public static string Acks(string tenant, string deviceId) => $"agri/{Version}/{Segment(tenant, nameof(tenant))}/acks/{Segment(deviceId, nameof(deviceId))}";

    /// <summary>Every device's captures in every tenant. With a shared-subscription group (MQTT 5,
    /// <c>$share/group/…</c>) the broker spreads the topic over several cloud workers.</summary>
    public static string AllCaptures(string? sharedGroup = null) =>
        sharedGroup is null ? $"agri/{Version}/+/captures/+" : $"$share/{Segment(sharedGroup, nameof(sharedGroup))}/agri/{Version}/+/captures/+";

    /// <summary>Splits a capture topic into tenant and device id; false for anything else.</summary>
    public static bool TryParseCaptureTopic(string topic, out string tenant, out string deviceId) => TryParse(topic, "captures", out tenant, out deviceId);

    private static bool TryParse(string topic, string kind, out string tenant, out string deviceId)
    {
        tenant = deviceId = "";
        var parts = topic.Split('/');
        if (parts.Length != 5 || parts[0] != "agri" || parts[1] != Version || parts[3] != kind)
            return false;
        if (!IsSegment(parts[2]) || !IsSegment(parts[4]))
            return false;
        tenant = parts[2];
        deviceId = parts[4];
        return true;
    }

    /// <summary>Splits an ack topic into tenant and device id; false for anything else (wildcards included).</summary>
    public static bool TryParseAckTopic(string topic, out string tenant, out string deviceId) => TryParse(topic, "acks", out tenant, out deviceId);

    /// <summary>Whether <paramref name="s"/> can be a tenant, a device id or another topic segment: 1 to 64 of A-Z a-z 0-9 - _ .</summary>
    public static bool IsSegment(string s) =>
        s.Length is > 0 and <= 64 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    private static string Segment(string value, string name) =>
        IsSegment(value) ? value : throw new ArgumentException($"'{value}' is not a valid topic segment (1-64 of A-Z a-z 0-9 - _ .)", name);
}
