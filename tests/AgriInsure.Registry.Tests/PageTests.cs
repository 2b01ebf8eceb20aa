namespace AgriInsure.Registry.Tests;

public class PageTests
{
    [Theory]
    [InlineData(-1, 10, "offset")]
    [InlineData(0, 0, "limit")]
    [InlineData(0, Page.MaxLimit + 1, "limit")]
    public void A_page_out_of_range_is_refused_with_the_field_named(int offset, int limit, string field) =>
        Assert.Equal(field, Page.Create(offset, limit).Error!.Field);
}
