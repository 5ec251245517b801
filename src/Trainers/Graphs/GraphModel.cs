using System.Text.Json;
using System.Text.Json.Serialization;
using Pipelines.Onnx;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Spe;

namespace Pipelines.Trainers.Graphs;

/// <summary>
/// A trained graph model: its definition and parameters (GINE and, for SPE, φ/ρ). Saved as one ONNX file whose
/// initializers are the parameters and whose metadata entry <see cref="DefinitionKey"/> holds the definition as JSON
/// (format version <see cref="FormatVersion"/>), so the file runs in any ONNX runtime and reloads here.
/// </summary>
public sealed class GraphModel
{
    /// <summary>Metadata key of the definition JSON.</summary>
    public const string DefinitionKey = "pipelines.graph.definition";

    /// <summary>Metadata key of the node-type vocabulary (one key per line), when the model was trained on SMILES.</summary>
    public const string VocabularyKey = "pipelines.graph.node_types";

    /// <summary>Metadata key of the format version.</summary>
    public const string VersionKey = "pipelines.graph.version";

    /// <summary>Current file format version.</summary>
    public const int FormatVersion = 1;

    internal static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = false,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Creates a model from its parts.</summary>
    internal GraphModel(GraphModelDefinition definition, ParameterStore backbone, SpeParameters? spe, IReadOnlyList<string>? nodeTypeKeys = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(backbone);
        Definition = definition;
        Backbone = backbone;
        Spe = spe;
        NodeTypeKeys = nodeTypeKeys;
    }

    /// <summary>Schema, backbone, encoding and loss.</summary>
    public GraphModelDefinition Definition { get; }

    /// <summary>GINE parameters.</summary>
    internal ParameterStore Backbone { get; }

    /// <summary>SPE φ/ρ parameters when the encoding is SPE.</summary>
    public SpeParameters? Spe { get; }

    /// <summary>Atom-type keys of the node-type one-hot (SMILES data), or <see langword="null"/>.</summary>
    public IReadOnlyList<string>? NodeTypeKeys { get; }

    /// <summary>Total scalar parameter count.</summary>
    public long ParameterCount => Backbone.Tensors.Sum(t => (long)t.Data.Length) + (Spe?.Count ?? 0);

    /// <summary>The inference model (parameters as initializers, definition in metadata).</summary>
    public OnnxModel ToOnnx()
    {
        OnnxModel model = GraphModelBuilder.Build(Definition, Backbone, Spe, withLoss: false);
        model.SetMetadata(VersionKey, FormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
        model.SetMetadata(DefinitionKey, JsonSerializer.Serialize(Definition, s_json));
        if (NodeTypeKeys is not null)
        {
            model.SetMetadata(VocabularyKey, string.Join('\n', NodeTypeKeys));
        }

        model.DocString = $"GINE graph model, encoding {Definition.Encoding.Name}, {ParameterCount} parameters (Pipelines).";
        return model;
    }

    /// <summary>Writes the model atomically to <paramref name="path"/>.</summary>
    public void Save(string path) => OnnxModelIO.Save(ToOnnx(), path);

    /// <summary>Loads a model saved by <see cref="Save"/>.</summary>
    /// <exception cref="OnnxFormatException">The file is not a graph model of a readable version.</exception>
    public static GraphModel Load(string path)
    {
        OnnxModel model = OnnxModelIO.Load(path);
        string? version = model.Metadata.FirstOrDefault(kv => kv.Key == VersionKey).Value;
        if (version != "1")
        {
            throw new OnnxFormatException($"{path}: not a Pipelines graph model of a readable version (metadata '{VersionKey}' = '{version ?? "missing"}', expected 1).");
        }

        string json = model.Metadata.First(kv => kv.Key == DefinitionKey).Value;
        GraphModelDefinition definition = JsonSerializer.Deserialize<GraphModelDefinition>(json, s_json)
            ?? throw new OnnxFormatException($"{path}: empty graph model definition.");
        ParameterStore backbone = GraphModelBuilder.InitializeBackbone(definition);
        SpeParameters? spe = definition.Encoding is SpeEncoding s ? SpeParameters.Initialize(s.SpeOptions) : null;
        Dictionary<string, OnnxTensor> inits = model.Graph.InitializerMap();
        foreach (ParameterTensor t in backbone.Tensors)
        {
            backbone.Set(t.Name, Find(inits, t.Name, path));
        }

        foreach (ParameterTensor t in spe?.Tensors ?? [])
        {
            spe!.Set(t.Name, Find(inits, t.Name, path));
        }

        string? vocab = model.Metadata.FirstOrDefault(kv => kv.Key == VocabularyKey).Value;
        return new GraphModel(definition, backbone, spe, vocab?.Split('\n'));
    }

    private static float[] Find(Dictionary<string, OnnxTensor> inits, string name, string path) =>
        inits.TryGetValue(name, out OnnxTensor? t)
            ? t.ToArray<float>()
            : throw new OnnxFormatException($"{path}: graph model lacks parameter '{name}'.");
}
