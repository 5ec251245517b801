using System.Text;
using Pipelines.Numerics.Topology;

namespace Pipelines.Transforms.Topology;

/// <summary>
/// Versioned binary format of a fitted <see cref="SignedMeasureTransformer"/> (little-endian, UTF-8 strings):
/// <code>
/// // *** Binary format, version 1 (version 2: same fields, written when Invariant = 2, rank) ***
/// bytes[16]  magic "PIPELINES.TOPOSM"
/// int32      version (1, or 2 for the rank invariant so that builds without it refuse the file)
/// string     OutputColumnName; bool+string InputColumnName
/// int32      input kind (0 point cloud, 1 time series, 2 graph, 3 time series with a filtration) then its fields:
///              point cloud: int32 PointDimension
///              time series: int32 Dimension, Delay, Skip (kind 1: delay embedding, the files written before kind 3)
///              kind 3:      int32 Dimension, Delay, Skip, Filtration (1 sublevel × time, 2 of the first difference)
///              graph:       string NodeCountColumnName, int32 First, int32 Second, float HeatTime
///              kind 4:      graph fields, then string NodeLabelColumnName (graphs with a label-based vertex function)
/// int32      Codensity; float CodensityParameter; bool+float Threshold
/// int32      Invariant; int32 MaxDegree; int32 GridStrategy; int32 GridResolution; float DropQuantile; bool ZeroPad
/// int32      Vectorizer; int32 OutputResolution; float Bandwidth; int32 Directions; int32 Bins
/// int64      Budget.MaxSimplices; int64 Budget.MaxBytes; int32 MaxFitRows
/// int32 n1, float[n1] grid 1; int32 n2, float[n2] grid 2
/// </code>
/// </summary>
internal static class SignedMeasureModelFormat
{
    private const int Version = 1;

    // Version 2 = version 1 with Invariant = Rank (added later); fields unchanged.
    private const int RankVersion = 2;
    private static readonly byte[] s_magic = Encoding.ASCII.GetBytes("PIPELINES.TOPOSM");

    public static void Write(Stream stream, SignedMeasureFeaturizer f)
    {
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        SignedMeasureOptions o = f.Options;
        w.Write(s_magic);
        w.Write(o.Invariant == SignedMeasureInvariant.Rank ? RankVersion : Version);
        WriteBifiltration(w, o);
        w.Write((int)o.Invariant);
        w.Write(o.MaxDegree);
        w.Write((int)o.GridStrategy);
        w.Write(o.GridResolution);
        w.Write(o.DropQuantile);
        w.Write(o.ZeroPad);
        w.Write((int)o.Vectorizer);
        w.Write(o.OutputResolution);
        w.Write(o.Bandwidth);
        w.Write(o.Directions);
        w.Write(o.Bins);
        w.Write(o.Budget.MaxSimplices);
        w.Write(o.Budget.MaxBytes);
        w.Write(o.MaxFitRows);
        WriteGrid(w, f.Grid1);
        WriteGrid(w, f.Grid2);
    }

    public static SignedMeasureFeaturizer Read(Stream stream)
    {
        using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        byte[] magic = r.ReadBytes(s_magic.Length);
        if (!magic.AsSpan().SequenceEqual(s_magic))
        {
            throw new DataFormatException("Not a Pipelines signed-measure transformer file (bad magic).");
        }

        int version = r.ReadInt32();
        if (version is not (Version or RankVersion))
        {
            throw new DataFormatException($"Signed-measure transformer file version {version} is not readable by this build (reads versions {Version} and {RankVersion}).");
        }

        var o = ReadBifiltration(r) with
        {
            Invariant = (SignedMeasureInvariant)r.ReadInt32(),
            MaxDegree = r.ReadInt32(),
            GridStrategy = (GridStrategy)r.ReadInt32(),
            GridResolution = r.ReadInt32(),
            DropQuantile = r.ReadSingle(),
            ZeroPad = r.ReadBoolean(),
            Vectorizer = (SignedMeasureVectorizer)r.ReadInt32(),
            OutputResolution = r.ReadInt32(),
            Bandwidth = r.ReadSingle(),
            Directions = r.ReadInt32(),
            Bins = r.ReadInt32(),
            Budget = new ComplexBudget(r.ReadInt64(), r.ReadInt64()),
            MaxFitRows = r.ReadInt32(),
        };
        o.Validate();
        return new SignedMeasureFeaturizer(o, ReadGrid(r), ReadGrid(r));
    }

    /// <summary>
    /// Writes what every topology transformer file starts its options with (signed measures, MMA): output and input
    /// column names, the input kind, the codensity and the Rips threshold.
    /// </summary>
    internal static void WriteBifiltration(BinaryWriter w, SignedMeasureOptions o)
    {
        w.Write(o.OutputColumnName);
        w.Write(o.InputColumnName is not null);
        w.Write(o.InputColumnName ?? string.Empty);
        WriteInput(w, o.Input);
        w.Write((int)o.Codensity);
        w.Write(o.CodensityParameter);
        w.Write(o.Threshold.HasValue);
        w.Write(o.Threshold ?? 0f);
    }

    /// <summary>Reads what <see cref="WriteBifiltration"/> wrote, as options with the other fields at their defaults.</summary>
    internal static SignedMeasureOptions ReadBifiltration(BinaryReader r)
    {
        string output = r.ReadString();
        bool hasInput = r.ReadBoolean();
        string input = r.ReadString();
        TopologyInput topo = ReadInput(r);
        var codensity = (CodensityKind)r.ReadInt32();
        float codensityParameter = r.ReadSingle();
        bool hasThreshold = r.ReadBoolean();
        float threshold = r.ReadSingle();
        return new SignedMeasureOptions
        {
            OutputColumnName = output,
            InputColumnName = hasInput ? input : null,
            Input = topo,
            Codensity = codensity,
            CodensityParameter = codensityParameter,
            Threshold = hasThreshold ? threshold : null,
        };
    }

    /// <summary>Writes the input kind (0 point cloud, 1 time series, 2 graph, 3 time series with a filtration) then its fields (shared with <see cref="MmaModelFormat"/>).</summary>
    internal static void WriteInput(BinaryWriter w, TopologyInput input)
    {
        switch (input)
        {
            case PointCloudInput p:
                w.Write(0);
                w.Write(p.PointDimension);
                break;
            case TimeSeriesInput t:
                // Delay-embedding inputs keep kind 1 (files unchanged, readable by older builds); others are kind 3.
                w.Write(t.IsDelayEmbedding ? 1 : 3);
                w.Write(t.Dimension);
                w.Write(t.Delay);
                w.Write(t.Skip);
                if (!t.IsDelayEmbedding)
                {
                    w.Write((int)t.Filtration);
                }

                break;
            case GraphInput g:
                // Graphs without a node-label column keep kind 2 (files unchanged); with one they are kind 4.
                w.Write(g.NodeLabelColumnName is null ? 2 : 4);
                w.Write(g.NodeCountColumnName);
                w.Write((int)g.First);
                w.Write((int)g.Second);
                w.Write(g.HeatTime);
                if (g.NodeLabelColumnName is not null)
                {
                    w.Write(g.NodeLabelColumnName);
                }

                break;
            default:
                throw new InvalidOperationException("Unknown topology input.");
        }
    }

    /// <summary>Reads what <see cref="WriteInput"/> wrote.</summary>
    internal static TopologyInput ReadInput(BinaryReader r)
    {
        int kind = r.ReadInt32();
        return kind switch
        {
            0 => new PointCloudInput(r.ReadInt32()),
            1 => new TimeSeriesInput(r.ReadInt32(), r.ReadInt32(), r.ReadInt32()),
            4 => new GraphInput(r.ReadString(), (GraphVertexFunctionKind)r.ReadInt32(), (GraphVertexFunctionKind)r.ReadInt32(), r.ReadSingle(), r.ReadString()),
            3 => new TimeSeriesInput(r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), (SeriesFiltration)r.ReadInt32()),
            2 => new GraphInput(r.ReadString(), (GraphVertexFunctionKind)r.ReadInt32(), (GraphVertexFunctionKind)r.ReadInt32(), r.ReadSingle()),
            _ => throw new DataFormatException($"Unknown topology input kind {kind}."),
        };
    }

    private static void WriteGrid(BinaryWriter w, FiltrationGrid g)
    {
        w.Write(g.Count);
        foreach (float v in g.Values)
        {
            w.Write(v);
        }
    }

    private static FiltrationGrid ReadGrid(BinaryReader r)
    {
        int n = r.ReadInt32();
        if (n <= 0 || n > 1_000_000)
        {
            throw new DataFormatException($"Corrupt grid length {n}.");
        }

        var v = new float[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = r.ReadSingle();
        }

        return new FiltrationGrid(v);
    }
}
