using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Onnx;

namespace Pipelines.Transforms.LowRank;

/// <summary>
/// The adapters of one initialisation: current factors (trainable), the initial factors A₀, B₀ (needed to convert a
/// trained PiSSA-type adapter to plain LoRA) and the peft-style config. Saved as <c>adapter_model.safetensors</c>
/// (+ <c>initial_adapter_model.safetensors</c>) and <c>adapter_config.json</c>; tensors use peft's keys and nn.Linear
/// layout: <c>base_model.model.&lt;module&gt;.lora_A.weight</c> (r×in) and <c>….lora_B.weight</c> (out×r), plus for DoRA
/// <c>base_model.model.&lt;module&gt;.lora_magnitude_vector</c> ([out], peft's key).
/// </summary>
public sealed class AdapterSet
{
    /// <summary>File name of the current factors.</summary>
    public const string WeightsFile = "adapter_model.safetensors";

    /// <summary>File name of the initial factors.</summary>
    public const string InitialWeightsFile = "initial_adapter_model.safetensors";

    /// <summary>File name of the config.</summary>
    public const string ConfigFile = "adapter_config.json";

    /// <summary>Creates a set.</summary>
    public AdapterSet(IReadOnlyList<AdapterFactors> adapters, IReadOnlyList<AdapterFactors>? initial, AdapterConfig config)
    {
        ArgumentNullException.ThrowIfNull(adapters);
        ArgumentNullException.ThrowIfNull(config);
        if (initial is not null && initial.Count != adapters.Count)
        {
            throw new ArgumentException($"{initial.Count} initial adapters for {adapters.Count} adapters.", nameof(initial));
        }

        Adapters = adapters;
        Initial = initial;
        Config = config;
    }

    /// <summary>Current factors, one per target.</summary>
    public IReadOnlyList<AdapterFactors> Adapters { get; }

    /// <summary>Factors at initialisation (same order), or null when unknown.</summary>
    public IReadOnlyList<AdapterFactors>? Initial { get; }

    /// <summary>The config.</summary>
    public AdapterConfig Config { get; }

    /// <summary>True when the base weight was replaced by W_res = W − s·A₀·B₀ (PiSSA, MiLoRA, OLoRA without base-untouched).</summary>
    public bool ResidualBase => !Config.Pipelines.BaseUntouched;

    /// <summary>The peft state-dict key of a module's tensor (<c>lora_A</c> or <c>lora_B</c>).</summary>
    public static string Key(string module, string tensor) => $"base_model.model.{module}.{tensor}.weight";

    /// <summary>The peft state-dict key of a module's DoRA magnitude vector m ([out]).</summary>
    public static string MagnitudeKey(string module) => $"base_model.model.{module}.lora_magnitude_vector";

    /// <summary>Gets the files <see cref="Save"/> writes, relative to its folder.</summary>
    public IReadOnlyList<string> Files => Initial is not null && ResidualBase ? [WeightsFile, InitialWeightsFile, ConfigFile] : [WeightsFile, ConfigFile];

    /// <summary>Writes the adapters into <paramref name="directory"/> (created if needed).</summary>
    public void Save(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        var meta = new Dictionary<string, string> { ["format"] = "pt", ["base_model_sha256"] = Config.Pipelines.BaseModelSha256 };
        var vectors = new HashSet<string>(Adapters.Select(f => MagnitudeKey(f.Target.Module)), StringComparer.Ordinal);
        SafeTensorsFile.Write(Path.Combine(directory, WeightsFile), ToTensors(Adapters), meta, vectors);
        if (Initial is not null && ResidualBase)
        {
            SafeTensorsFile.Write(Path.Combine(directory, InitialWeightsFile), ToTensors(Initial), meta, vectors);
        }

        AtomicFile.WriteAllText(Path.Combine(directory, ConfigFile), Config.ToJson());
    }

    /// <summary>Reads adapters saved by <see cref="Save"/>, binding modules to the weights of <paramref name="model"/>.</summary>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="DataFormatException">A module or tensor is missing or has the wrong shape.</exception>
    public static AdapterSet Load(string directory, OnnxModel model)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(model);
        string configPath = Path.Combine(directory, ConfigFile);
        if (!File.Exists(configPath))
        {
            throw new FileNotFoundException($"Adapter config '{configPath}' does not exist.", configPath);
        }

        AdapterConfig config;
        try
        {
            config = AdapterConfig.FromJson(File.ReadAllText(configPath));
        }
        catch (DataFormatException e) when (e.FileName.Length == 0)
        {
            throw new DataFormatException(configPath, 0, e.Message, 0, e);
        }

        var weights = new Dictionary<string, LinearWeight>(StringComparer.Ordinal);
        foreach (LinearWeight w in ModelSummary.Create(model).Weights)
        {
            weights.TryAdd(LowRankTargets.ModuleName(w), w);
            weights.TryAdd("node." + w.Node, w);
        }

        var targets = config.TargetModules.Select(module => weights.TryGetValue(module, out LinearWeight? w)
            ? new LowRankTarget(w, module, CheckRank(configPath, module, config.RankOf(module), w), config.AlphaOf(module)) { RsLora = config.UseRsLora }
            : throw new DataFormatException($"Adapter module '{module}' ({directory}) matches no linear weight of the model.")).ToList();
        LowRankMethod method = Enum.TryParse(config.Pipelines.Method, out LowRankMethod m) ? m : LowRankMethod.Lora;
        IReadOnlyList<AdapterFactors> current = FromTensors(Path.Combine(directory, WeightsFile), targets, method, config.UseDora);
        string initialPath = Path.Combine(directory, InitialWeightsFile);
        IReadOnlyList<AdapterFactors>? initial = File.Exists(initialPath) ? FromTensors(initialPath, targets, method, config.UseDora) : null;
        return new AdapterSet(current, initial, config);
    }

    /// <summary>A copy with the given current factors (e.g. after training), keeping the initial ones and the config.</summary>
    public AdapterSet WithAdapters(IReadOnlyList<AdapterFactors> adapters) => new(adapters, Initial, Config);

    private static List<KeyValuePair<string, Matrix>> ToTensors(IReadOnlyList<AdapterFactors> factors)
    {
        var list = new List<KeyValuePair<string, Matrix>>();
        foreach (AdapterFactors f in factors)
        {
            list.Add(new(Key(f.Target.Module, "lora_A"), f.A.Transpose()));
            list.Add(new(Key(f.Target.Module, "lora_B"), f.B.Transpose()));
            if (f.Magnitude is { } m)
            {
                list.Add(new(MagnitudeKey(f.Target.Module), Matrix.FromSpan(1, m.Length, m)));
            }
        }

        return list;
    }

    private static List<AdapterFactors> FromTensors(string path, IReadOnlyList<LowRankTarget> targets, LowRankMethod method, bool dora)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Adapter weights '{path}' do not exist.", path);
        }

        Dictionary<string, Matrix> tensors = SafeTensorsFile.Read(path).Tensors;
        var result = new List<AdapterFactors>();
        foreach (LowRankTarget t in targets)
        {
            Matrix a = Get(tensors, path, Key(t.Module, "lora_A"), t.Rank, t.InFeatures).Transpose();
            Matrix b = Get(tensors, path, Key(t.Module, "lora_B"), t.OutFeatures, t.Rank).Transpose();
            // a 1-D [out] tensor reads as 1×out
            float[]? magnitude = dora ? Get(tensors, path, MagnitudeKey(t.Module), 1, t.OutFeatures).Data : null;
            result.Add(new AdapterFactors(t, a, b, method) { Magnitude = magnitude });
        }

        return result;
    }

    private static int CheckRank(string configPath, string module, int rank, LinearWeight weight) =>
        rank <= Math.Min(weight.InFeatures, weight.OutFeatures)
            ? rank
            : throw new DataFormatException(configPath, $"module '{module}': rank {rank} exceeds the weight's {weight.OutFeatures}x{weight.InFeatures} shape.");

    private static Matrix Get(Dictionary<string, Matrix> tensors, string path, string key, int rows, int cols)
    {
        if (!tensors.TryGetValue(key, out Matrix? m))
        {
            throw new DataFormatException(path, $"tensor '{key}' is missing (the adapter config targets its module).");
        }

        if (m.Rows != rows || m.Cols != cols)
        {
            throw new DataFormatException(path, $"tensor '{key}': field 'shape' is [{m.Rows},{m.Cols}], the model's weight needs [{rows},{cols}] (F32).");
        }

        return m;
    }
}
