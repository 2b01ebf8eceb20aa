using AgriInsure.Tests;

namespace AgriInsure.Edge.Vision.Tests;

public class JpegStructureTests
{
    /// <summary>A JPEG's marker skeleton: an APP1 holding an EXIF thumbnail (with its own SOI and EOI), a
    /// restart interval, and a scan whose data holds stuffed FF 00, restart markers and fill bytes.</summary>
    private static readonly byte[] Skeleton =
    [
        0xFF, 0xD8,
        0xFF, 0xE1, 0x00, 0x0C, (byte)'E', (byte)'x', (byte)'i', (byte)'f', 0x00, 0x00, 0xFF, 0xD8, 0xFF, 0xD9,
        0xFF, 0xDD, 0x00, 0x04, 0x00, 0x08,
        0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00,
        0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xD7, 0x78, 0xFF, 0xFF,
        0xFF, 0xD9,
    ];

    [Fact]
    public void The_end_is_the_outer_end_marker_past_thumbnails_restarts_and_stuffing()
    {
        Assert.Equal(Skeleton.Length, JpegStructure.End(Skeleton));
        Assert.Equal(Skeleton.Length, JpegStructure.End([.. Skeleton, 0xFF, 0xD9, .. PhoneFiles.Mp4(1000)]));
    }

    [Fact]
    public void A_scan_or_segment_cut_short_has_no_end()
    {
        for (var n = 2; n < Skeleton.Length; n++)
            Assert.Null(JpegStructure.End(Skeleton.AsSpan(0, n)));
    }

    [Fact]
    public void Every_photo_of_the_shared_data_ends_at_its_last_byte_and_there_still_with_a_trailer()
    {
        var files = Directory.GetFiles(Path.Combine(Repo.SharedData, "cattle"), "*.jpg", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        var trailer = PhoneFiles.Mp4(4096);
        foreach (var file in files)
        {
            var jpeg = File.ReadAllBytes(file);
            Assert.True(JpegStructure.End(jpeg) == jpeg.Length, file);
            Assert.True(JpegStructure.End([.. jpeg, .. trailer]) == jpeg.Length, file);
        }
    }
}
