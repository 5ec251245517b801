using Pipelines.Cli.Plots;
using Xunit;

namespace Pipelines.Cli.Tests.Plots;

/// <summary>Checks shared by the plot tests: a valid PNG of the chart's size whose data lie inside the axes.</summary>
internal static class PlotAssert
{
    /// <summary>
    /// The PNG has the signature, an IHDR of the layout's size and decodes; every data point is inside the chosen
    /// limits and its pixel inside the drawn data area. Returns the decoded image.
    /// </summary>
    public static PngImage ValidWithDataInside(ChartLayout layout)
    {
        Assert.True(File.Exists(layout.Path), $"'{layout.Path}' was not written");
        Assert.Equal((layout.Width, layout.Height), PngImage.ReadSize(layout.Path));
        PngImage image = PngImage.Read(layout.Path);
        Assert.Equal(layout.Width, image.Width);
        Assert.Equal(layout.Height, image.Height);
        Assert.NotEmpty(layout.Points);
        Assert.Empty(layout.PointsOutside());
        PixelBox area = layout.DataArea;
        Assert.True(area.Left > 0 && area.Right < layout.Width && area.Top > 0 && area.Bottom < layout.Height, $"data area {area} is not inside the image");
        foreach (ChartPoint p in layout.Points)
        {
            (double column, double row) = layout.Pixel(p);
            Assert.True(column >= area.Left - 0.5 && column <= area.Right + 0.5 && row >= area.Top - 0.5 && row <= area.Bottom + 0.5, $"{p} is drawn at pixel ({column:F1}, {row:F1}), outside the data area {area}");
        }

        return image;
    }

    /// <summary>True when a pixel within <paramref name="radius"/> of (column, row) is ink: darker than white and than the light grid grey (≈ 230).</summary>
    public static bool InkNear(PngImage image, double column, double row, int radius = 3)
    {
        int c0 = (int)Math.Round(column);
        int r0 = (int)Math.Round(row);
        for (int r = Math.Max(0, r0 - radius); r <= Math.Min(image.Height - 1, r0 + radius); r++)
        {
            for (int c = Math.Max(0, c0 - radius); c <= Math.Min(image.Width - 1, c0 + radius); c++)
            {
                (byte red, byte green, byte blue, _) = image[c, r];
                if (Math.Min(red, Math.Min(green, blue)) < 215)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Every point of <paramref name="series"/> has ink at its pixel.</summary>
    public static void InkAtPoints(PngImage image, ChartLayout layout, string series)
    {
        ChartPoint[] points = [.. layout.Points.Where(p => p.Series == series)];
        Assert.NotEmpty(points);
        foreach (ChartPoint p in points)
        {
            (double column, double row) = layout.Pixel(p);
            Assert.True(InkNear(image, column, row), $"no ink near {p} at pixel ({column:F0}, {row:F0}) of '{layout.Path}'");
        }
    }
}
