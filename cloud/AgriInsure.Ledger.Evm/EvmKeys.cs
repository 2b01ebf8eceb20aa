using Nethereum.KeyStore;
using Nethereum.KeyStore.Model;
using Nethereum.Signer;

namespace AgriInsure.Ledger.Evm;

/// <summary>A chain key that could not be loaded. The message names where it was looked for (a file, an environment
/// variable) and why, never the key or the passphrase.</summary>
public sealed class EvmKeyException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Where an insurer's chain key (secp256k1, 32 bytes) comes from: an encrypted keystore file (Web3 Secret Storage
/// v3, scrypt and AES-128-CTR, as geth and every Ethereum wallet write it; read with Nethereum.KeyStore) whose passphrase
/// is in an environment variable, or an environment variable holding the key as hex. Never a file in the repository, a
/// setting on a command line, or a log line: the key stays in this process and signs here (<see cref="EvmChain"/>).</summary>
public static class EvmKeys
{
    /// <summary>The environment variable read for a key given as 64 hex digits (0x optional).</summary>
    public const string KeyVariable = "AGRI_EVM_KEY";

    /// <summary>The environment variable read for a keystore file's passphrase.</summary>
    public const string PassphraseVariable = "AGRI_EVM_PASSPHRASE";

    /// <summary>The key in the keystore file at <paramref name="path"/>, decrypted with the passphrase held by the
    /// environment variable <paramref name="passphraseVariable"/>. Errors: <see cref="EvmKeyException"/> when the file
    /// cannot be read or is not a keystore, the variable is unset, or the passphrase does not decrypt it.</summary>
    public static string FromKeystore(string path, string passphraseVariable = PassphraseVariable)
    {
        var passphrase = Environment.GetEnvironmentVariable(passphraseVariable);
        if (string.IsNullOrEmpty(passphrase))
            throw new EvmKeyException($"the keystore {path} needs its passphrase in the environment variable {passphraseVariable}, which is not set");
        return Decrypt(path, passphrase);
    }

    /// <summary>The key in the keystore file at <paramref name="path"/>, decrypted with <paramref name="passphrase"/>.
    /// Errors: <see cref="EvmKeyException"/>.</summary>
    public static string Decrypt(string path, string passphrase)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EvmKeyException($"cannot read the keystore {path}: {e.Message}");
        }
        // Nethereum reads some JSON that is no keystore (no crypto section) as a keystore whose MAC fails, which would be
        // reported as a wrong passphrase: the file's shape is checked first.
        if (!LooksLikeKeystore(json))
            throw new EvmKeyException($"{path} is not a Web3 Secret Storage keystore (v3)");
        try
        {
            return Convert.ToHexStringLower(new KeyStoreService().DecryptKeyStoreFromJson(passphrase, json));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Nethereum says "Cannot derive the same mac as the one provided from the cipher and derived key" for a wrong
            // passphrase, and a JSON error for a file that is not a keystore; neither message carries a secret, but none
            // is passed on whole, to keep this promise whatever a later version says.
            throw new EvmKeyException(e is Newtonsoft.Json.JsonException or NullReferenceException or ArgumentException
                ? $"{path} is not a Web3 Secret Storage keystore (v3)"
                : $"the passphrase does not decrypt the keystore {path}");
        }
    }

    /// <summary>A JSON object with the <c>crypto</c> section of Web3 Secret Storage v3 (geth writes <c>crypto</c>, some older
    /// wallets <c>Crypto</c>): the cipher text, the key derivation function and the MAC, each a string.</summary>
    private static bool LooksLikeKeystore(string json)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != System.Text.Json.JsonValueKind.Object
                || !(root.TryGetProperty("crypto", out var crypto) || root.TryGetProperty("Crypto", out crypto))
                || crypto.ValueKind != System.Text.Json.JsonValueKind.Object)
                return false;
            return new[] { "ciphertext", "kdf", "mac" }.All(name => crypto.TryGetProperty(name, out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String);
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    /// <summary>The key held as hex by the environment variable <paramref name="variable"/>. Errors:
    /// <see cref="EvmKeyException"/> when it is unset or not 32 bytes of hex (the value is never in the message).</summary>
    public static string FromEnvironment(string variable = KeyVariable)
    {
        var value = Environment.GetEnvironmentVariable(variable)?.Trim();
        if (string.IsNullOrEmpty(value))
            throw new EvmKeyException($"the environment variable {variable} is not set; it holds the chain key as 64 hex digits");
        var hex = value.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? value[2..] : value;
        if (hex.Length != 64 || !hex.All(char.IsAsciiHexDigit))
            throw new EvmKeyException($"the environment variable {variable} does not hold a chain key: it takes 64 hex digits (32 bytes), 0x optional");
        return hex.ToLowerInvariant();
    }

    /// <summary>Makes a new key and writes it to <paramref name="path"/> as a keystore encrypted with
    /// <paramref name="passphrase"/> (scrypt with cost <paramref name="scryptCost"/>: 2^18 as geth, less for a development
    /// key opened often), readable by its owner alone (0600), written whole or not at all. Returns the account's address.
    /// Errors: <see cref="EvmKeyException"/> when the file exists or cannot be written.</summary>
    public static string CreateKeystore(string path, string passphrase, int scryptCost = 1 << 18)
    {
        var key = EthECKey.GenerateKey();
        var address = key.GetPublicAddress();
        var json = new KeyStoreScryptService().EncryptAndGenerateKeyStoreAsJson(passphrase, key.GetPrivateKeyAsBytes(), address,
            new ScryptParams { Dklen = 32, N = scryptCost, R = 8, P = 1 });
        WritePrivate(path, json);
        return address;
    }

    /// <summary>Writes <paramref name="text"/> to a new file only its owner reads (0600 where the system has modes): a
    /// temporary file beside it, then a rename that fails when <paramref name="path"/> exists.</summary>
    public static void WritePrivate(string path, string text)
    {
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var file = new StreamWriter(temp, new System.Text.UTF8Encoding(false), options))
                file.Write(text);
            File.Move(temp, path, overwrite: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temp);
            throw new EvmKeyException($"cannot write {path}: {e.Message}");
        }
    }
}
