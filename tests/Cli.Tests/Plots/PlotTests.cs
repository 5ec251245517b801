using Pipelines.Cli.Plots;
using Pipelines.Export.Report;
using Pipelines.Numerics.Topology;
using Pipelines.Testing;
using Pipelines.Trainers;
using Xunit;

namespace Pipelines.Cli.Tests.Plots;

/// <summary>Each plot type is a valid PNG whose data lie inside the axes and are drawn where the layout says.</summary>
public sealed class PlotTests
{
    [Fact]
    public void StepLoss_LastPointIsTheMinimum_IsInsideTheAxesAndDrawn()
    {
        // The lora train regression: a loss falling to its minimum at the last step, far below every earlier value.
        using var dir = new TempDirectory();
        float[] losses = [.. Enumerable.Range(0, 60).Select(i => 0.7f + (0.05f * MathF.Sin(i)) - (0.004f * i))];
        losses[^1] = 0.02f;
        ChartLayout layout = TrainingCurves.WriteStepLoss(dir.File("loss.png"), losses, "test", validationLoss: 0.9);
        PngImage image = PlotAssert.ValidWithDataInside(layout);
        Assert.True(layout.Y.Min < 0.02 && layout.Y.Max > 0.9, $"y limits {layout.Y} do not contain [0.02, 0.9]");
        PlotAssert.InkAtPoints(image, layout, "10-step mean");
        PlotAssert.InkAtPoints(image, layout, "validation loss");
        ChartPoint last = layout.Points.Last(p => p.Series == "batch loss");
        Assert.Equal(0.02, last.Y, 6);
        (double column, double row) = layout.Pixel(last);
        Assert.True(PlotAssert.InkNear(image, column, row), $"the last step's loss is not drawn at ({column:F0}, {row:F0})");
    }

    [Fact]
    public void Epochs_TwoAxes_BothSeriesInsideTheirOwnLimits()
    {
        using var dir = new TempDirectory();
        EpochReport[] epochs = [.. Enumerable.Range(1, 12).Select(e => new EpochReport(e, 2.0 / e, 0.5 + (0.03 * e), 1, e == 9))];
        ChartLayout layout = TrainingCurves.WriteEpochs(dir.File("curves.png"), epochs, "accuracy", "test");
        PngImage image = PlotAssert.ValidWithDataInside(layout);
        Assert.NotNull(layout.YRight);
        Assert.True(layout.YRight!.Value.Contains(0.53) && layout.YRight.Value.Contains(0.86));
        Assert.False(layout.Y.Contains(0.0), "the loss axis should not be stretched to the metric's range");
        PlotAssert.InkAtPoints(image, layout, "training loss");
        PlotAssert.InkAtPoints(image, layout, "validation accuracy");
    }

    [Fact]
    public void PersistenceDiagram_InfiniteDeathsOnTheMarkedLine_AllPointsInside()
    {
        using var dir = new TempDirectory();
        var diagram = new PersistenceDiagram(1,
        [
            new PersistencePair(0, 0, 0.3f), new PersistencePair(0, 0, 0.5f), new PersistencePair(0, 0, float.PositiveInfinity),
            new PersistencePair(1, 0.6f, 0.9f), new PersistencePair(1, 0.7f, 2.5f),
        ]);
        double infinity = PersistencePlots.InfinityLevel(diagram);
        Assert.True(infinity > 2.5, $"∞ line {infinity} is not above every finite death");
        ChartLayout layout = PersistencePlots.WriteDiagram(dir.File("d.png"), diagram, "test");
        PngImage image = PlotAssert.ValidWithDataInside(layout);
        Assert.Equal(layout.X, layout.Y);
        Assert.Contains(layout.Points, p => p.Y == infinity);
        Assert.True(layout.Y.Max > infinity);
        PlotAssert.InkAtPoints(image, layout, "H0 (3)");
        PlotAssert.InkAtPoints(image, layout, "H1 (2)");
    }

    [Fact]
    public void Barcode_EveryIntervalEndInside()
    {
        using var dir = new TempDirectory();
        var diagram = new PersistenceDiagram(1,
        [
            new PersistencePair(0, 0, 1f), new PersistencePair(0, 0, float.PositiveInfinity), new PersistencePair(1, 1.5f, 4f),
        ]);
        ChartLayout layout = PersistencePlots.WriteBarcode(dir.File("b.png"), diagram, "test");
        PngImage image = PlotAssert.ValidWithDataInside(layout);
        Assert.Equal(6, layout.Points.Count);
        Assert.True(layout.X.Max > PersistencePlots.InfinityLevel(diagram));
        PlotAssert.InkAtPoints(image, layout, "H1 (1)");
    }

    [Fact]
    public void SignedMeasure_PositiveIsRedNegativeIsBlue_AtTheirCells()
    {
        using var dir = new TempDirectory();
        var measure = new SignedMeasure(4, 3);
        measure.Add(1, 0, 2);
        measure.Add(0, 2, -2);
        measure.Add(3, 1, 4);
        var g1 = new FiltrationGrid([0f, 0.5f, 1f, 1.5f]);
        var g2 = new FiltrationGrid([0f, 1f, 2f]);
        ChartLayout layout = SignedMeasurePlot.Write(dir.File("m.png"), measure, g1, g2, "test", "radius", "codensity");
        PngImage image = PlotAssert.ValidWithDataInside(layout);
        Assert.Equal(3, layout.Points.Count);
        (byte r, _, byte b, _) = At(image, layout, 1, 0);
        Assert.True(r > b + 60, $"positive cell (1, 0) (half the largest mass) is not red: R {r} B {b}");
        (r, _, b, _) = At(image, layout, 0, 2);
        Assert.True(b > r + 60, $"negative cell (0, 2) (minus half the largest mass) is not blue: R {r} B {b}");
        (r, byte g, b, _) = At(image, layout, 2, 2);
        Assert.True(Math.Abs(r - b) < 30 && g > 200, $"zero cell (2, 2) is not near white: {r},{g},{b}");
    }

    [Fact]
    public void ExportChart_BarsInsideAndDrawn()
    {
        using var dir = new TempDirectory();
        var report = new ExportReport
        {
            Name = "int4",
            Bytes = 30 << 20,
            FloatBytes = 90 << 20,
            LatencyMsB1 = 3,
            FloatLatencyMsB1 = 4,
            LatencyMsB32 = double.NaN,
            FloatLatencyMsB32 = double.NaN,
            MaxAbsDiff = 0.1f,
            MeanCosine = 0.99,
            MinCosine = 0.95,
            Examples = 10,
            Accuracy = 0.88,
            FloatAccuracy = 0.9,
            LabelAgreement = 0.97,
        };
        ChartLayout layout = ExportChart.Write(dir.File("r.png"), report);
        PngImage image = PlotAssert.ValidWithDataInside(layout);
        Assert.Equal(7, layout.Points.Count);
        Assert.True(layout.Y.Min <= 0);
        foreach (ChartPoint p in layout.Points)
        {
            (double column, double row) = layout.Pixel(p with { Y = p.Y / 2 });
            Assert.True(PlotAssert.InkNear(image, column, row), $"bar {p} not drawn");
        }
    }

    [Fact]
    public void Layout_NarrowedLimits_ReportsThePointsOutside()
    {
        // The containment check can fail: the same layout with limits that cut the last point names it.
        using var dir = new TempDirectory();
        ChartLayout layout = TrainingCurves.WriteStepLoss(dir.File("loss.png"), [1f, 0.5f, 0.1f], "test", null);
        Assert.Empty(layout.PointsOutside());
        ChartLayout cut = layout with { Y = new AxisRange(0.2, layout.Y.Max) };
        Assert.Contains(cut.PointsOutside(), p => p.Y < 0.2);
    }

    [Fact]
    public void Curves_NoStepsOrEpochs_StillAValidPng()
    {
        // A resumed run that had nothing left to do draws empty axes rather than failing.
        using var dir = new TempDirectory();
        ChartLayout steps = TrainingCurves.WriteStepLoss(dir.File("loss.png"), [], "test", 0.5);
        ChartLayout epochs = TrainingCurves.WriteEpochs(dir.File("curves.png"), [], "accuracy", "test");
        Assert.Equal((steps.Width, steps.Height), PngImage.ReadSize(steps.Path));
        Assert.Equal((epochs.Width, epochs.Height), (PngImage.Read(epochs.Path).Width, PngImage.Read(epochs.Path).Height));
        Assert.Empty(steps.Points);
    }

    [Theory]
    [InlineData(new double[] { 3, 3 }, 2.5, 3.5)]
    [InlineData(new double[] { 0, 10 }, -0.5, 10.5)]
    [InlineData(new double[] { double.NaN, 1, double.PositiveInfinity, 2 }, 0.95, 2.05)]
    public void Padded_ContainsEveryFiniteValue(double[] values, double min, double max)
    {
        AxisRange r = Chart.Padded([.. values.Where(double.IsFinite)], Chart.Margin);
        Assert.Equal(min, r.Min, 9);
        Assert.Equal(max, r.Max, 9);
    }

    [Fact]
    public void PersistenceCommand_Plot_WritesDiagramAndBarcode()
    {
        using var dir = new TempDirectory();
        string points = dir.File("square.txt");
        File.WriteAllText(points, "0 0\n1 0\n1 1\n0 1\n");
        (int code, _, string err) = CliHarness.Run("topo", "persistence", "--points", points, "--maxdim", "1", "--plot", dir.Path + Path.DirectorySeparatorChar);
        Assert.True(code == 0, err);
        foreach (string kind in new[] { "diagram", "barcode" })
        {
            string png = Path.Combine(dir.Path, $"persistence-{kind}.png");
            Assert.True(File.Exists(png), err);
            Assert.True(PngImage.Read(png).Width > 100);
        }
    }

    private static (byte R, byte G, byte B, byte A) At(PngImage image, ChartLayout layout, int i, int j)
    {
        (double column, double row) = layout.Pixel(new ChartPoint(string.Empty, i, j));
        return image[(int)Math.Round(column), (int)Math.Round(row)];
    }
}
