using System.Diagnostics;
using AgriInsure.Cloud.Host;
using AgriInsure.Tests;

namespace AgriInsure.Cloud.Host.Tests;

/// <summary>The cloud folder's lock tells a lock held by another process from a folder it cannot write.</summary>
public sealed class CloudFolderLockTests
{
    [Fact]
    public async Task A_held_lock_is_named_as_another_cloud_process()
    {
        using var folder = new TempFolder();
        await using var first = CloudFolderLock.Take(folder.Path);
        var refused = Assert.Throws<CloudStartException>(() => CloudFolderLock.Take(folder.Path));
        Assert.Contains("another cloud process is running", refused.Reason);
    }

    [Fact]
    public void A_folder_that_cannot_be_written_is_named_as_not_writable()
    {
        using var folder = new TempFolder();
        var missing = Path.Combine(folder.Path, "gone");
        var refused = Assert.Throws<CloudStartException>(() => CloudFolderLock.Take(missing));
        Assert.Contains($"{missing} is not writable", refused.Reason);
        Assert.DoesNotContain("another cloud process", refused.Reason);
    }

    [Fact]
    public void Read_only_and_denied_are_not_a_held_lock()
    {
        // The errnos .NET carries in HResult on Linux: EWOULDBLOCK from flock(2) is a held lock; EROFS and EACCES are not.
        Assert.True(CloudFolderLock.HeldByAnother(new IOException("The process cannot access the file", 11)));
        Assert.False(CloudFolderLock.HeldByAnother(new IOException("Read-only file system", 30)));
        Assert.False(CloudFolderLock.HeldByAnother(new UnauthorizedAccessException("Access to the path is denied")));
        Assert.False(CloudFolderLock.HeldByAnother(new DirectoryNotFoundException("Could not find a part of the path")));
    }

    /// <summary>Mode 0555 does not stop root (CI runs as root), so a read-only tmpfs is mounted where the machine allows
    /// it (root with CAP_SYS_ADMIN); elsewhere the classification test above stands for it.</summary>
    [Fact]
    public void A_read_only_mount_is_named_as_not_writable()
    {
        using var folder = new TempFolder();
        var mounted = Run("mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", folder.Path);
        if (!mounted)
            return;
        try
        {
            var refused = Assert.Throws<CloudStartException>(() => CloudFolderLock.Take(folder.Path));
            Assert.Contains($"{folder.Path} is not writable", refused.Reason);
            Assert.Contains("Read-only file system", refused.Reason);
        }
        finally
        {
            Assert.True(Run("umount", folder.Path), "the test's read-only mount is taken down");
        }
    }

    private static bool Run(string command, params string[] args)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(start)!;
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
