using System.Security.Cryptography;
using AgriInsure.Broker;
using AgriInsure.Protocol;

namespace AgriInsure.Cloud.Host;

/// <summary>The keys of the cloud's links, in its folder, readable by their owner only: <c>ack.key</c>, the PKCS#8
/// P-256 key acks are signed with (devices are provisioned with its public half), and <c>broker.key</c>, the 32-byte
/// secret the embedded broker makes its tokens from. Kept across restarts, so provisioned devices keep working; made on
/// first start, in memory until <see cref="Save"/>, so a start that fails leaves no file behind.
/// Errors: <see cref="CloudStartException"/> naming the folder setting.</summary>
internal sealed class LinkKeys
{
    private readonly List<(string Path, byte[] Bytes)> _made = [];

    private LinkKeys(string folder)
    {
        var ackPath = Path.Combine(folder, "ack.key");
        var pkcs8 = ReadOrMake(ackPath, () =>
        {
            using var key = Protocol.AckKey.Create();
            return key.ExportPkcs8();
        });
        try
        {
            AckKey = Protocol.AckKey.FromPkcs8(pkcs8);
        }
        catch (CryptographicException e)
        {
            throw new CloudStartException(CloudOptions.Key(nameof(CloudOptions.Folder)), $"{ackPath} is not a P-256 PKCS#8 key: {e.Message}");
        }
        BrokerSecret = ReadOrMake(Path.Combine(folder, "broker.key"), EmbeddedBroker.NewSecret);
    }

    public AckKey AckKey { get; }

    public byte[] BrokerSecret { get; }

    public static LinkKeys Load(string folder) => new(folder);

    /// <summary>Writes the keys this start made.</summary>
    public void Save()
    {
        foreach (var (path, bytes) in _made)
        {
            Try(path, () =>
            {
                var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                    create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                using var file = new FileStream(path, create);
                file.Write(bytes);
                return bytes;
            });
        }
        _made.Clear();
    }

    private byte[] ReadOrMake(string path, Func<byte[]> make) => Try(path, () =>
    {
        if (File.Exists(path))
            return File.ReadAllBytes(path);
        var made = make();
        _made.Add((path, made));
        return made;
    });

    private static byte[] Try(string path, Func<byte[]> io)
    {
        try
        {
            return io();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CloudStartException(CloudOptions.Key(nameof(CloudOptions.Folder)), $"cannot read or write {path}: {e.Message}");
        }
    }
}
