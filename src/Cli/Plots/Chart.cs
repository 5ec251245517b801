using Pipelines.Onnx;
using ScottPlot;

namespace Pipelines.Cli.Plots;

/// <summary>
/// The one plotting component of the CLI (ScottPlot underneath): series are registered with their data, and
/// <see cref="Save"/> sets the axis limits itself from every finite point registered, padded by
/// <see cref="Margin"/>, so the axes always contain the data (ScottPlot's own auto-scaling is not used). The PNG is
/// written atomically and the returned <see cref="ChartLayout"/> says which limits were chosen and where each point is.
/// </summary>
internal sealed class Chart : IDisposable
{
    /// <summary>Fraction of the data span added on each side of an axis.</summary>
    public const double Margin = 0.05;

    private readonly Plot _plot = new();
    private readonly List<ChartPoint> _points = [];
    private readonly List<(double Y, ChartAxis Axis)> _yExtents = [];
    private readonly List<double> _xExtents = [];
    private readonly List<(double Value, bool Vertical, string Label, Color Color)> _marks = [];
    private bool _diagonal;
    private bool _tight;

    /// <summary>Starts an empty chart.</summary>
    /// <param name="title">Title above the chart.</param>
    /// <param name="xLabel">The x axis label.</param>
    /// <param name="yLabel">The left y axis label.</param>
    public Chart(string title, string xLabel, string yLabel)
    {
        _plot.Title(title);
        _plot.XLabel(xLabel);
        _plot.YLabel(yLabel);
    }

    /// <summary>A colour per series index, from ScottPlot's default (Category10) palette.</summary>
    public static Color SeriesColor(int index) => new ScottPlot.Palettes.Category10().GetColor(index);

    /// <summary>Labels the right y axis (a series added with <see cref="ChartAxis.Right"/> uses it).</summary>
    public void RightLabel(string label) => _plot.Axes.Right.Label.Text = label;

    /// <summary>A polyline through (xs[i], ys[i]); non-finite values are skipped by the limits and break nothing.</summary>
    public void Line(string legend, IReadOnlyList<double> xs, IReadOnlyList<double> ys, Color color, float width = 1.5f, ChartAxis axis = ChartAxis.Left, bool markers = false)
    {
        ArgumentNullException.ThrowIfNull(xs);
        ArgumentNullException.ThrowIfNull(ys);
        ArgumentOutOfRangeException.ThrowIfNotEqual(ys.Count, xs.Count, nameof(ys));
        var line = _plot.Add.ScatterLine(xs.ToArray(), ys.ToArray(), color);
        line.LegendText = legend;
        line.LineWidth = width;
        line.MarkerSize = markers ? 6 : 0;
        if (axis == ChartAxis.Right)
        {
            line.Axes.YAxis = _plot.Axes.Right;
        }

        Register(legend, xs, ys, axis);
    }

    /// <summary>Markers at (xs[i], ys[i]).</summary>
    public void Points(string legend, IReadOnlyList<double> xs, IReadOnlyList<double> ys, Color color, MarkerShape shape = MarkerShape.FilledCircle, float size = 7)
    {
        ArgumentNullException.ThrowIfNull(xs);
        ArgumentNullException.ThrowIfNull(ys);
        ArgumentOutOfRangeException.ThrowIfNotEqual(ys.Count, xs.Count, nameof(ys));
        if (xs.Count == 0)
        {
            return;
        }

        var markers = _plot.Add.Markers(xs.ToArray(), ys.ToArray(), shape, size, color);
        markers.LegendText = legend;
        Register(legend, xs, ys, ChartAxis.Left);
    }

    /// <summary>Horizontal segments [x0[i], x1[i]] at height y[i] (a barcode's bars); both ends are data points.</summary>
    public void Segments(string legend, IReadOnlyList<double> x0, IReadOnlyList<double> x1, IReadOnlyList<double> y, Color color, float width = 3)
    {
        ArgumentNullException.ThrowIfNull(x0);
        ArgumentNullException.ThrowIfNull(x1);
        ArgumentNullException.ThrowIfNull(y);
        for (int i = 0; i < y.Count; i++)
        {
            var line = _plot.Add.Line(x0[i], y[i], x1[i], y[i]);
            line.Color = color;
            line.LineWidth = width;
            line.MarkerSize = 0;
            line.LegendText = i == 0 ? legend : string.Empty;
            Register(legend, [x0[i], x1[i]], [y[i], y[i]], ChartAxis.Left);
        }
    }

    /// <summary>A dashed horizontal line across the whole x range at <paramref name="y"/>, labelled at its right end; the y limits contain it.</summary>
    public void HorizontalMark(double y, string label, Color color)
    {
        _marks.Add((y, false, label, color));
        _yExtents.Add((y, ChartAxis.Left));
    }

    /// <summary>A dashed vertical line across the whole y range at <paramref name="x"/>, labelled at its top; the x limits contain it.</summary>
    public void VerticalMark(double x, string label, Color color)
    {
        _marks.Add((x, true, label, color));
        _xExtents.Add(x);
    }

    /// <summary>The line y = x across the chosen limits (a persistence diagram's diagonal); x and y limits are made equal.</summary>
    public void Diagonal() => _diagonal = true;

    /// <summary>Includes an x value in the limits without drawing anything (e.g. room for a mark's label).</summary>
    public void IncludeX(double x) => _xExtents.Add(x);

    /// <summary>Includes a y value in the limits without drawing anything (e.g. 0 under bars).</summary>
    public void IncludeY(double y, ChartAxis axis = ChartAxis.Left) => _yExtents.Add((y, axis));

    /// <summary>
    /// Vertical bars at x = 0, 1, …, labelled below the axis; each bar's value is written above it and is a data point.
    /// The limits contain 0 and every bar.
    /// </summary>
    public void Bars(string legend, IReadOnlyList<string> labels, IReadOnlyList<double> values, IReadOnlyList<Color> colors, string format = "F2")
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(colors);
        var bars = new List<Bar>();
        for (int i = 0; i < values.Count; i++)
        {
            bars.Add(new Bar
            {
                Position = i,
                Value = double.IsFinite(values[i]) ? values[i] : 0,
                FillColor = colors[i % colors.Count],
                Label = double.IsFinite(values[i]) ? values[i].ToString(format, System.Globalization.CultureInfo.InvariantCulture) : "n/a",
                Size = 0.6,
            });
        }

        var plot = _plot.Add.Bars(bars);
        plot.LegendText = legend;
        plot.ValueLabelStyle.FontSize = 13;
        _plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, labels.Count).Select(i => (double)i)], [.. labels]);
        _xExtents.Add(-0.5);
        _xExtents.Add(values.Count - 0.5);
        _yExtents.Add((0, ChartAxis.Left));
        Register(legend, [.. Enumerable.Range(0, values.Count).Select(i => (double)i)], values, ChartAxis.Left);
    }

    /// <summary>
    /// A heat map of <paramref name="values"/>[i, j] drawn as the cell centred at (i, j) (i along x, j along y) in a
    /// diverging colormap symmetric about 0 (blue negative, red positive), with a colour bar. Ticks name the cells'
    /// coordinates from <paramref name="xTicks"/> and <paramref name="yTicks"/>. Non-zero cells are the data points.
    /// </summary>
    public void SignedHeatmap(string legend, double[,] values, IReadOnlyList<string> xTicks, IReadOnlyList<string> yTicks, string colorLabel)
    {
        ArgumentNullException.ThrowIfNull(values);
        int nx = values.GetLength(0);
        int ny = values.GetLength(1);
        var intensities = new double[ny, nx];
        double extreme = 0;
        var xs = new List<double>();
        var ys = new List<double>();
        for (int i = 0; i < nx; i++)
        {
            for (int j = 0; j < ny; j++)
            {
                // ScottPlot draws intensity row 0 at the top: row ny-1-j puts j = 0 at the bottom.
                intensities[ny - 1 - j, i] = values[i, j];
                extreme = Math.Max(extreme, Math.Abs(values[i, j]));
                if (values[i, j] != 0)
                {
                    xs.Add(i);
                    ys.Add(j);
                }
            }
        }

        var heatmap = _plot.Add.Heatmap(intensities);
        heatmap.Colormap = new ScottPlot.Colormaps.Balance();
        heatmap.ManualRange = new ScottPlot.Range(-Math.Max(extreme, 1), Math.Max(extreme, 1));
        heatmap.Extent = new CoordinateRect(-0.5, nx - 0.5, -0.5, ny - 0.5);
        var bar = _plot.Add.ColorBar(heatmap);
        bar.Label = colorLabel;
        _plot.Axes.Bottom.TickGenerator = Ticks(xTicks);
        _plot.Axes.Left.TickGenerator = Ticks(yTicks);
        _xExtents.Add(-0.5);
        _xExtents.Add(nx - 0.5);
        _yExtents.Add((-0.5, ChartAxis.Left));
        _yExtents.Add((ny - 0.5, ChartAxis.Left));
        _tight = true;
        Register(legend, xs, ys, ChartAxis.Left);
    }

    /// <summary>Chooses the limits, renders <paramref name="width"/> × <paramref name="height"/> pixels and writes the PNG atomically.</summary>
    public ChartLayout Save(string path, int width = 900, int height = 520)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        double[] xs = [.. _points.Select(p => p.X).Concat(_xExtents).Where(double.IsFinite)];
        double[] left = [.. _points.Where(p => p.Axis == ChartAxis.Left).Select(p => p.Y).Concat(_yExtents.Where(e => e.Axis == ChartAxis.Left).Select(e => e.Y)).Where(double.IsFinite)];
        double[] right = [.. _points.Where(p => p.Axis == ChartAxis.Right).Select(p => p.Y).Concat(_yExtents.Where(e => e.Axis == ChartAxis.Right).Select(e => e.Y)).Where(double.IsFinite)];
        double margin = _tight ? 0 : Margin;
        AxisRange x = Padded(xs, margin);
        AxisRange y = Padded(left, margin);
        if (_diagonal)
        {
            // A persistence diagram: one range for both axes, so the diagonal runs corner to corner.
            x = y = Padded([.. xs, .. left], margin);
            var diagonal = _plot.Add.Line(x.Min, x.Min, x.Max, x.Max);
            diagonal.Color = Colors.Gray;
            diagonal.LinePattern = LinePattern.Dashed;
            diagonal.MarkerSize = 0;
            _plot.MoveToBack(diagonal);
        }

        foreach ((double value, bool vertical, string label, Color color) in _marks)
        {
            var line = vertical ? _plot.Add.Line(value, y.Min, value, y.Max) : _plot.Add.Line(x.Min, value, x.Max, value);
            line.Color = color;
            line.LinePattern = LinePattern.Dashed;
            line.MarkerSize = 0;
            _plot.MoveToBack(line);
            var text = vertical ? _plot.Add.Text(label, value, y.Max) : _plot.Add.Text(label, x.Max, value);
            text.LabelAlignment = vertical ? Alignment.UpperRight : Alignment.LowerRight;
            text.LabelFontColor = color;
            text.LabelFontSize = 14;
        }

        _plot.Axes.SetLimits(x.Min, x.Max, y.Min, y.Max);
        AxisRange? yRight = null;
        if (right.Length > 0)
        {
            yRight = Padded(right, margin);
            _plot.Axes.SetLimitsY(yRight.Value.Min, yRight.Value.Max, _plot.Axes.Right);
        }

        if (_points.Any(p => !string.IsNullOrEmpty(p.Series)))
        {
            _plot.ShowLegend(Edge.Right);
        }

        byte[] png = _plot.GetImageBytes(width, height, ImageFormat.Png);
        AtomicFile.WriteAllBytes(path, png);
        PixelRect area = _plot.LastRender.DataRect;
        return new ChartLayout(path, width, height, x, y, yRight, new PixelBox(area.Left, area.Top, area.Right, area.Bottom), [.. _points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y))]);
    }

    /// <inheritdoc />
    public void Dispose() => _plot.Dispose();

    /// <summary>[min − m·span, max + m·span] of the finite values; a single value v gets ±max(0.1·|v|, 0.5); none gets [0, 1].</summary>
    internal static AxisRange Padded(IReadOnlyCollection<double> values, double margin)
    {
        if (values.Count == 0)
        {
            return new AxisRange(0, 1);
        }

        double lo = values.Min();
        double hi = values.Max();
        double span = hi - lo;
        double pad = span > 0 ? span * margin : Math.Max(Math.Abs(lo) * 0.1, 0.5);
        return new AxisRange(lo - pad, hi + pad);
    }

    private static ScottPlot.TickGenerators.NumericManual Ticks(IReadOnlyList<string> labels)
    {
        // At most ~8 labelled ticks, evenly spaced over the cells.
        int step = Math.Max(1, (int)Math.Ceiling(labels.Count / 8.0));
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int i = 0; i < labels.Count; i += step)
        {
            ticks.AddMajor(i, labels[i]);
        }

        return ticks;
    }

    private void Register(string series, IReadOnlyList<double> xs, IReadOnlyList<double> ys, ChartAxis axis)
    {
        for (int i = 0; i < xs.Count; i++)
        {
            _points.Add(new ChartPoint(series, xs[i], ys[i], axis));
        }
    }
}
