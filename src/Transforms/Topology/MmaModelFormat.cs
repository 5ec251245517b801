using System.Text;
using Pipelines.Numerics.Topology;

namespace Pipelines.Transforms.Topology;

/// <summary>
/// Versioned binary format of a fitted <see cref="MmaTransformer"/> (little-endian, UTF-8 strings; docs/formats/mma-transformer.md):
/// <code>
/// // *** Binary format, version 1 ***
/// bytes[16]  magic "PIPELINES.TOPOMM"
/// int32      version (= 1)
/// string     OutputColumnName; bool+string InputColumnName
/// input      as in the signed-measure format (int32 kind, then its fields)
/// int32      Codensity; float CodensityParameter; bool+float Threshold
/// int32      MaxDegree; float Precision; float DropQuantile
/// int32      Vectorizer; int32 Resolution; float Bandwidth; float Power; int32 Landscapes
/// int64      Budget.MaxSimplices; int64 Budget.MaxBytes; int32 MaxFitRows
/// float×4    box Lo1, Hi1, Lo2, Hi2
/// </code>
/// </summary>
internal static class MmaModelFormat
{
    private const int Version = 1;
    private static readonly byte[] s_magic = Encoding.ASCII.GetBytes("PIPELINES.TOPOMM");

    public static void Write(Stream stream, MmaFeaturizer f)
    {
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        MmaOptions o = f.Options;
        w.Write(s_magic);
        w.Write(Version);
        SignedMeasureModelFormat.WriteBifiltration(w, o.Bifiltration());
        w.Write(o.MaxDegree);
        w.Write(o.Precision);
        w.Write(o.DropQuantile);
        w.Write((int)o.Vectorizer);
        w.Write(o.Resolution);
        w.Write(o.Bandwidth);
        w.Write(o.Power);
        w.Write(o.Landscapes);
        w.Write(o.Budget.MaxSimplices);
        w.Write(o.Budget.MaxBytes);
        w.Write(o.MaxFitRows);
        w.Write(f.Box.Lo1);
        w.Write(f.Box.Hi1);
        w.Write(f.Box.Lo2);
        w.Write(f.Box.Hi2);
    }

    public static MmaFeaturizer Read(Stream stream)
    {
        using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        byte[] magic = r.ReadBytes(s_magic.Length);
        if (!magic.AsSpan().SequenceEqual(s_magic))
        {
            throw new DataFormatException("Not a Pipelines MMA transformer file (bad magic).");
        }

        int version = r.ReadInt32();
        if (version != Version)
        {
            throw new DataFormatException($"MMA transformer file version {version} is not readable by this build (reads version {Version}).");
        }

        try
        {
            SignedMeasureOptions b = SignedMeasureModelFormat.ReadBifiltration(r);
            var o = new MmaOptions
            {
                OutputColumnName = b.OutputColumnName,
                InputColumnName = b.InputColumnName,
                Input = b.Input,
                Codensity = b.Codensity,
                CodensityParameter = b.CodensityParameter,
                Threshold = b.Threshold,
                MaxDegree = r.ReadInt32(),
                Precision = r.ReadSingle(),
                DropQuantile = r.ReadSingle(),
                Vectorizer = (MmaVectorizer)r.ReadInt32(),
                Resolution = r.ReadInt32(),
                Bandwidth = r.ReadSingle(),
                Power = r.ReadSingle(),
                Landscapes = r.ReadInt32(),
                Budget = new ComplexBudget(r.ReadInt64(), r.ReadInt64()),
                MaxFitRows = r.ReadInt32(),
            };
            var box = new MeasureBox(r.ReadSingle(), r.ReadSingle(), r.ReadSingle(), r.ReadSingle());
            if (!Enum.IsDefined(o.Vectorizer) || !float.IsFinite(box.Lo1) || !float.IsFinite(box.Hi1) || !float.IsFinite(box.Lo2) || !float.IsFinite(box.Hi2) || box.Hi1 < box.Lo1 || box.Hi2 < box.Lo2)
            {
                throw new DataFormatException($"Corrupt MMA transformer file: vectorizer {(int)o.Vectorizer}, box {box}.");
            }

            o.Validate();
            return new MmaFeaturizer(o, box);
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentException)
        {
            throw new DataFormatException($"Corrupt MMA transformer file: {e.Message}", e);
        }
    }
}
