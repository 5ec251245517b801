namespace Pipelines.Cli.Plots;

/// <summary>Which y axis a series is drawn against.</summary>
internal enum ChartAxis
{
    /// <summary>The left y axis.</summary>
    Left,

    /// <summary>The right y axis (a second quantity on other units, e.g. a validation metric beside a loss).</summary>
    Right,
}

/// <summary>A closed interval of one axis, as drawn.</summary>
/// <param name="Min">The lower limit.</param>
/// <param name="Max">The upper limit.</param>
internal readonly record struct AxisRange(double Min, double Max)
{
    /// <summary>True when <paramref name="value"/> lies in [Min, Max].</summary>
    public bool Contains(double value) => value >= Min && value <= Max;
}

/// <summary>A point of the data a chart drew (a line vertex, a marker, a bar top, a heat-map cell centre).</summary>
/// <param name="Series">The series' name.</param>
/// <param name="X">Data x.</param>
/// <param name="Y">Data y.</param>
/// <param name="Axis">The y axis it is drawn against.</param>
internal readonly record struct ChartPoint(string Series, double X, double Y, ChartAxis Axis = ChartAxis.Left);

/// <summary>The data area of a rendered chart, in image pixels (y grows downwards).</summary>
/// <param name="Left">Left edge.</param>
/// <param name="Top">Top edge.</param>
/// <param name="Right">Right edge.</param>
/// <param name="Bottom">Bottom edge.</param>
internal readonly record struct PixelBox(double Left, double Top, double Right, double Bottom);

/// <summary>
/// What <see cref="Chart.Save"/> drew: the image size, the axis limits it chose, the data area in pixels and every
/// data point, so a caller (or a test) can check that the axes contain the data and find a point's pixel.
/// </summary>
/// <param name="Path">The PNG written.</param>
/// <param name="Width">Image width, pixels.</param>
/// <param name="Height">Image height, pixels.</param>
/// <param name="X">The x limits.</param>
/// <param name="Y">The left y limits.</param>
/// <param name="YRight">The right y limits, when a series uses the right axis.</param>
/// <param name="DataArea">The data area, pixels.</param>
/// <param name="Points">Every finite data point drawn.</param>
internal sealed record ChartLayout(string Path, int Width, int Height, AxisRange X, AxisRange Y, AxisRange? YRight, PixelBox DataArea, IReadOnlyList<ChartPoint> Points)
{
    /// <summary>True when <paramref name="point"/> lies inside the limits of its axes.</summary>
    public bool Contains(ChartPoint point)
    {
        AxisRange y = point.Axis == ChartAxis.Right ? YRight ?? Y : Y;
        return X.Contains(point.X) && y.Contains(point.Y);
    }

    /// <summary>The points outside the axes (none for a chart whose limits were chosen by <see cref="Chart"/>).</summary>
    public IReadOnlyList<ChartPoint> PointsOutside() => [.. Points.Where(p => !Contains(p))];

    /// <summary>The pixel (column, row) where <paramref name="point"/> is drawn: x = Left + (x − min)/(max − min)·width.</summary>
    public (double Column, double Row) Pixel(ChartPoint point)
    {
        AxisRange y = point.Axis == ChartAxis.Right ? YRight ?? Y : Y;
        double column = DataArea.Left + ((point.X - X.Min) / (X.Max - X.Min) * (DataArea.Right - DataArea.Left));
        double row = DataArea.Bottom - ((point.Y - y.Min) / (y.Max - y.Min) * (DataArea.Bottom - DataArea.Top));
        return (column, row);
    }
}
