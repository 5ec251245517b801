namespace Pipelines.Transforms.Tests.Graphs;

/// <summary>Locates ../shared/data from the test's working directory (absent in CI: tests then skip their real-data part).</summary>
internal static class SharedData
{
    public static string Path(string relative)
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null)
        {
            string candidate = System.IO.Path.Combine(dir, "shared", "data", relative);
            if (File.Exists(candidate) || Directory.Exists(candidate))
            {
                return candidate;
            }

            string sibling = System.IO.Path.Combine(dir, "..", "shared", "data", relative);
            if (File.Exists(sibling) || Directory.Exists(sibling))
            {
                return System.IO.Path.GetFullPath(sibling);
            }

            dir = System.IO.Path.GetDirectoryName(dir);
        }

        return System.IO.Path.Combine("/nonexistent", relative);
    }
}
