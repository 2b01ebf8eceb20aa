using System.Security.Cryptography;
using AgriInsure.Broker;
using AgriInsure.Protocol;

namespace AgriInsure.Cloud.Host;

/// <summary>The keys of the cloud's links, in its folder, made on first start and readable by their owner only:
/// <c>ack.key</c>, the PKCS#8 ack-signing key whose public half devices are provisioned with, and <c>broker.key</c>,
/// the 32-byte secret the embedded broker makes its tokens from. Kept across restarts, so provisioned devices keep
/// working. Errors: <see cref="CloudStartException"/> naming the folder setting.</summary>
internal static class LinkKeys
{
    public static string AckKeyPath(string folder) => Path.Combine(folder, "ack.key");

    public static string BrokerKeyPath(string folder) => Path.Combine(folder, "broker.key");

    public static AckKey AckKey(string folder)
    {
        var path = AckKeyPath(folder);
        var pkcs8 = ReadOrCreate(path, () =>
        {
            using var key = Protocol.AckKey.Create();
            return key.ExportPkcs8();
        });
        try
        {
            return Protocol.AckKey.FromPkcs8(pkcs8);
        }
        catch (CryptographicException e)
        {
            throw new CloudStartException(CloudOptions.Key(nameof(CloudOptions.Folder)), $"{path} is not a P-256 PKCS#8 key: {e.Message}");
        }
    }

    public static byte[] BrokerSecret(string folder) => ReadOrCreate(BrokerKeyPath(folder), EmbeddedBroker.NewSecret);

    private static byte[] ReadOrCreate(string path, Func<byte[]> make)
    {
        try
        {
            if (File.Exists(path))
                return File.ReadAllBytes(path);
            var made = make();
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
                create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var file = new FileStream(path, create))
                file.Write(made);
            return made;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CloudStartException(CloudOptions.Key(nameof(CloudOptions.Folder)), $"cannot read or make {path}: {e.Message}");
        }
    }
}
