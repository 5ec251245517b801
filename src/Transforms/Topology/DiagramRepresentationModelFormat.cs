using System.Text;
using Pipelines.Numerics.Topology;

namespace Pipelines.Transforms.Topology;

/// <summary>
/// Versioned binary format of a fitted <see cref="DiagramRepresentationTransformer"/> (little-endian, UTF-8 strings):
/// <code>
/// // *** Binary format, version 1 ***
/// bytes[16]  magic "PIPELINES.TOPODR"
/// int32      version (= 1)
/// string     OutputColumnName; bool+string InputColumnName
/// int32      Representation; int32 Resolution; int32 Landscapes; float Bandwidth; int32 Weight; int32 InfiniteBars
/// int32      MaxFitRows
/// float      Range.First; float Range.Last; float Range.PersistenceMax; float Range.ClipValue
/// </code>
/// </summary>
internal static class DiagramRepresentationModelFormat
{
    private const int Version = 1;
    private static readonly byte[] s_magic = Encoding.ASCII.GetBytes("PIPELINES.TOPODR");

    public static void Write(Stream stream, DiagramRepresentationFeaturizer f)
    {
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        DiagramRepresentationOptions o = f.Options;
        w.Write(s_magic);
        w.Write(Version);
        w.Write(o.OutputColumnName);
        w.Write(o.InputColumnName is not null);
        w.Write(o.InputColumnName ?? string.Empty);
        w.Write((int)o.Representation);
        w.Write(o.Resolution);
        w.Write(o.Landscapes);
        w.Write(o.Bandwidth);
        w.Write((int)o.Weight);
        w.Write((int)o.InfiniteBars);
        w.Write(o.MaxFitRows);
        w.Write(f.Range.First);
        w.Write(f.Range.Last);
        w.Write(f.Range.PersistenceMax);
        w.Write(f.Range.ClipValue);
    }

    public static DiagramRepresentationFeaturizer Read(Stream stream)
    {
        using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        if (!r.ReadBytes(s_magic.Length).AsSpan().SequenceEqual(s_magic))
        {
            throw new DataFormatException("Not a Pipelines diagram-representation transformer file (bad magic).");
        }

        int version = r.ReadInt32();
        if (version != Version)
        {
            throw new DataFormatException($"Diagram-representation transformer file version {version} is not readable by this build (reads version {Version}).");
        }

        string output = r.ReadString();
        bool hasInput = r.ReadBoolean();
        string input = r.ReadString();
        var o = new DiagramRepresentationOptions
        {
            OutputColumnName = output,
            InputColumnName = hasInput ? input : null,
            Representation = (DiagramRepresentation)r.ReadInt32(),
            Resolution = r.ReadInt32(),
            Landscapes = r.ReadInt32(),
            Bandwidth = r.ReadSingle(),
            Weight = (PersistenceImageWeight)r.ReadInt32(),
            InfiniteBars = (InfiniteBarPolicy)r.ReadInt32(),
            MaxFitRows = r.ReadInt32(),
        };
        try
        {
            o.Validate();
        }
        catch (ArgumentException e)
        {
            throw new DataFormatException($"Corrupt diagram-representation transformer file: {e.Message}");
        }

        return new DiagramRepresentationFeaturizer(o, new DiagramRange(r.ReadSingle(), r.ReadSingle(), r.ReadSingle(), r.ReadSingle()));
    }
}
