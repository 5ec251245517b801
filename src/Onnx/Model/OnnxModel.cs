namespace Pipelines.Onnx;

/// <summary>An operator set the model imports: a domain (empty = standard ONNX) and its version.</summary>
/// <param name="Domain">The domain, e.g. empty or <c>com.microsoft</c>.</param>
/// <param name="Version">The opset version.</param>
public sealed record OpsetImport(string Domain, long Version);

/// <summary>
/// An ONNX model in memory: the project's own representation, independent of the protobuf classes used to read and
/// write files (see <see cref="OnnxModelIO"/>).
/// </summary>
public sealed class OnnxModel
{
    /// <summary>The standard domain's name as written in opset imports.</summary>
    public const string StandardDomain = "";

    /// <summary>The ONNX Runtime contrib-op domain.</summary>
    public const string MicrosoftDomain = "com.microsoft";

    /// <summary>Creates an empty model.</summary>
    public OnnxModel(OnnxGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        Graph = graph;
    }

    /// <summary>ONNX IR version (10 for opset 21 models made here).</summary>
    public long IrVersion { get; set; } = 10;

    /// <summary>The imported operator sets.</summary>
    public List<OpsetImport> OpsetImports { get; } = [];

    /// <summary>The producing tool.</summary>
    public string ProducerName { get; set; } = "";

    /// <summary>The producing tool's version.</summary>
    public string ProducerVersion { get; set; } = "";

    /// <summary>The model's domain.</summary>
    public string Domain { get; set; } = "";

    /// <summary>The model version.</summary>
    public long ModelVersion { get; set; }

    /// <summary>Documentation carried by the file.</summary>
    public string DocString { get; set; } = "";

    /// <summary>Free key/value metadata (kept in file order).</summary>
    public List<KeyValuePair<string, string>> Metadata { get; } = [];

    /// <summary>The main graph.</summary>
    public OnnxGraph Graph { get; set; }

    /// <summary>The imported version of <paramref name="domain"/>, or <see langword="null"/>.</summary>
    public long? OpsetVersion(string domain = StandardDomain) =>
        OpsetImports.FirstOrDefault(o => o.Domain == domain || (domain.Length == 0 && o.Domain == "ai.onnx"))?.Version;

    /// <summary>Imports <paramref name="domain"/> at <paramref name="version"/> unless it is already imported.</summary>
    public void EnsureOpset(string domain, long version)
    {
        if (OpsetVersion(domain) is null)
        {
            OpsetImports.Add(new OpsetImport(domain, version));
        }
    }

    /// <summary>Sets or replaces a metadata entry.</summary>
    public void SetMetadata(string key, string value)
    {
        int i = Metadata.FindIndex(kv => kv.Key == key);
        if (i >= 0)
        {
            Metadata[i] = new(key, value);
        }
        else
        {
            Metadata.Add(new(key, value));
        }
    }

    /// <summary>A deep copy (the graph through the file format, so nothing is shared; initializer data copied once).</summary>
    public OnnxModel Clone() => CloneCore(shareData: false);

    /// <summary>
    /// A copy whose main-graph initializers are new <see cref="OnnxTensor"/> objects over the same data arrays (no weight
    /// is copied). <see cref="OnnxTensor.ReplaceData"/> on either model swaps that tensor's array only; writing into
    /// <see cref="OnnxTensor.RawData"/> in place would show in both.
    /// </summary>
    /// <returns>The copy.</returns>
    public OnnxModel CloneSharingData() => CloneCore(shareData: true);

    // the graph structure goes through the protobuf classes (no byte array); the weights are copied (or shared) directly,
    // not serialized and parsed back, which made every clone of a 90 MB model allocate about four times its size
    private OnnxModel CloneCore(bool shareData)
    {
        OnnxModel copy = ProtoCodec.Decode(ProtoCodec.Encode(this, external: null, topInitializers: false), Directory.GetCurrentDirectory(), "<clone>");
        copy.Graph.Initializers.AddRange(Graph.Initializers.Select(t => shareData && t.StringData is null
            ? new OnnxTensor(t.Name, t.ElementType, (long[])t.Dims.Clone(), t.RawData) { DocString = t.DocString }
            : t.Clone()));
        return copy;
    }
}
