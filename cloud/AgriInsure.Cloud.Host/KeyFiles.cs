using System.Security.Cryptography;

namespace AgriInsure.Cloud.Host;

/// <summary>Secret keys a cloud folder makes for itself on first use (token signing, identity-number hashing).</summary>
public static class KeyFiles
{
    /// <summary>The key in <paramref name="path"/>, or <paramref name="bytes"/> random bytes written there first, readable by
    /// the owner alone (0600) and never replaced: a fresh installation has a key nobody else knows, without any set-up.</summary>
    public static byte[] ReadOrMake(string path, int bytes = 32)
    {
        if (File.Exists(path))
            return File.ReadAllBytes(path);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var secret = RandomNumberGenerator.GetBytes(bytes);
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(path, create))
            file.Write(secret);
        return secret;
    }
}
